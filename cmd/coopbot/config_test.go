package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadConfigEfSearch(t *testing.T) {
	for _, tc := range []struct {
		value   string
		want    int
		wantErr string
	}{
		{"", 0, ""},
		{"300", 300, ""},
		{"1000", 1000, ""},
		{"0", 0, "EF_SEARCH: want a positive whole number"},
		{"1001", 0, "EF_SEARCH: want at most 1000"},
		{"lots", 0, "EF_SEARCH: want a positive whole number"},
	} {
		cfg, err := LoadConfig(env("EF_SEARCH", tc.value))
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("LoadConfig(EF_SEARCH=%q) = %v; want error %q", tc.value, err, tc.wantErr)
			}
		case err != nil || cfg.EfSearch != tc.want:
			t.Errorf("LoadConfig(EF_SEARCH=%q) = %d, %v; want %d", tc.value, cfg.EfSearch, err, tc.want)
		}
	}
}

func TestLexicalBudgetConfig(t *testing.T) {
	for _, tc := range []struct {
		value   string
		want    int
		wantErr string
	}{
		{"", 0, ""},
		{"65536", 65536, ""},
		{"0", 0, "LEXICAL_BUDGET: want a positive whole number"},
		{"fast", 0, "LEXICAL_BUDGET: want a positive whole number"},
	} {
		cfg, err := LoadConfig(env("LEXICAL_BUDGET", tc.value))
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("LoadConfig(LEXICAL_BUDGET=%q) = %v; want error %q", tc.value, err, tc.wantErr)
			}
		case err != nil || cfg.LexicalBudget != tc.want:
			t.Errorf("LoadConfig(LEXICAL_BUDGET=%q) = %d, %v; want %d", tc.value, cfg.LexicalBudget, err, tc.want)
		}
	}
}

// TestSecretFiles: X_FILE supplies secret X (trimmed); a missing file, or
// one that is empty or only whitespace, is a configuration error — a
// blank API_TOKEN_FILE used to leave the API open without a word.
func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good, blank, empty := write("good", "  s3cret\n"), write("blank", "  \n\t\n"), write("empty", "")
	for _, tc := range []struct {
		name, file, want, wantErr string
	}{
		{"token in a file", good, "s3cret", ""},
		{"whitespace-only file", blank, "", "API_TOKEN_FILE: " + blank + " is empty"},
		{"empty file", empty, "", "API_TOKEN_FILE: " + empty + " is empty"},
		{"missing file", filepath.Join(dir, "nope"), "", "API_TOKEN_FILE: cannot read"},
	} {
		cfg, err := LoadConfig(env("API_TOKEN_FILE", tc.file))
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: LoadConfig = %v; want error %q", tc.name, err, tc.wantErr)
			}
		case err != nil || cfg.APIToken != tc.want:
			t.Errorf("%s: LoadConfig = %q, %v; want %q", tc.name, cfg.APIToken, err, tc.want)
		}
	}
	for _, name := range []string{"DATABASE_URL", "OPENAI_API_KEY", "SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DISCORD_TOKEN"} {
		if _, err := LoadConfig(env(name+"_FILE", blank)); err == nil || !strings.Contains(err.Error(), name+"_FILE") {
			t.Errorf("LoadConfig(%s_FILE=blank) = %v; want a configuration error", name, err)
		}
	}
}

func TestLoadConfigSlackAPIURL(t *testing.T) {
	for _, tc := range []struct {
		value, want, wantErr string
	}{
		{"", DefaultSlackAPIURL, ""},
		{"https://slack-gov.com/api/", "https://slack-gov.com/api/", ""},
		{"http://127.0.0.1:4000/api", "http://127.0.0.1:4000/api/", ""},
		{"slack.com/api", "", "SLACK_API_URL: want an http(s) URL"},
		{"ftp://slack.com/api/", "", "SLACK_API_URL: want an http(s) URL"},
	} {
		cfg, err := LoadConfig(env("SLACK_API_URL", tc.value))
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("LoadConfig(SLACK_API_URL=%q) = %v; want error %q", tc.value, err, tc.wantErr)
			}
		case err != nil || cfg.SlackAPIURL != tc.want:
			t.Errorf("LoadConfig(SLACK_API_URL=%q) = %q, %v; want %q", tc.value, cfg.SlackAPIURL, err, tc.want)
		}
	}
}

func TestLoadConfigReplicas(t *testing.T) {
	const db = "postgres://u:p@db:5432/coopbot"
	for _, tc := range []struct {
		env     []string
		wantErr string
	}{
		{[]string{"DISCORD_SHARD_COUNT", "2", "DISCORD_SHARD_ID", "1"}, ""},
		{[]string{"DISCORD_SHARD_COUNT", "2", "DISCORD_SHARD_ID", "0"}, ""},
		{[]string{"DISCORD_SHARD_COUNT", "2", "DISCORD_SHARD_ID", "2"}, "DISCORD_SHARD_ID: want 0 to DISCORD_SHARD_COUNT-1 (1), got 2"},
		{[]string{"DISCORD_SHARD_ID", "1"}, "DISCORD_SHARD_ID: want 0 to DISCORD_SHARD_COUNT-1 (0), got 1"},
		{[]string{"DISCORD_SHARD_COUNT", "2", "DISCORD_SHARD_ID", "-1"}, "DISCORD_SHARD_ID: want a whole number from 0"},
		{[]string{"DISCORD_SHARD_COUNT", "0"}, "DISCORD_SHARD_COUNT: want a positive whole number"},
		{[]string{"DATABASE_URL", db, "DATABASE_READ_URL", "postgres://u:p@replica:5432/coopbot", "READ_MAX_LAG", "3s"}, ""},
		{[]string{"DATABASE_READ_URL", "postgres://u:p@replica:5432/coopbot"}, "DATABASE_READ_URL needs DATABASE_URL"},
		{[]string{"READ_MAX_LAG", "soon"}, "READ_MAX_LAG: want a duration"},
		{[]string{"CONNECT_RETRY", "0s"}, "CONNECT_RETRY: want a duration"},
	} {
		_, err := LoadConfig(env(tc.env...))
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("LoadConfig(%q) = %v; want nil", tc.env, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("LoadConfig(%q) = %v; want error %q", tc.env, err, tc.wantErr)
		}
	}
	cfg, err := LoadConfig(env("DISCORD_SHARD_COUNT", "4", "DISCORD_SHARD_ID", "3", "DATABASE_URL", db, "DATABASE_READ_URL", db, "READ_MAX_LAG", "3s"))
	if err != nil || cfg.DiscordShardID != 3 || cfg.DiscordShardCount != 4 || cfg.ReadMaxLag != 3*time.Second || cfg.ConnectRetry != time.Minute {
		t.Errorf("LoadConfig = %+v, %v; want shard 3 of 4, READ_MAX_LAG 3s, CONNECT_RETRY 1m", cfg, err)
	}
}
