package main

import (
	"strings"
	"testing"
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
