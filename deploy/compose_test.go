// Package deploy holds the tests of coopbot's deployment files at the
// repository root: docker-compose.yml (loaded with the Compose
// specification's own loader), .env.example and the Dockerfile, and the
// Kubernetes manifests in deploy/kubernetes (decoded strictly into the
// Kubernetes API types). No Docker engine or cluster is needed.
package deploy

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/types"
)

// root is the repository root, relative to this package.
const root = ".."

// load loads docker-compose.yml as `docker compose` would from a project
// directory holding it and the given .env text, with the given profiles.
func load(t *testing.T, dotEnv string, profiles ...string) *types.Project {
	t.Helper()
	dir := t.TempDir()
	compose, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "docker-compose.yml"), compose, 0o644); err != nil {
		t.Fatal(err)
	}
	if dotEnv != "" {
		if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(dotEnv), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opts, err := cli.NewProjectOptions(
		[]string{filepath.Join(dir, "docker-compose.yml")},
		cli.WithWorkingDirectory(dir),
		cli.WithEnv(nil),   // not the developer's environment
		cli.WithEnvFiles(), // the project's .env, as docker compose reads it
		cli.WithDotEnv,
		cli.WithProfiles(profiles),
	)
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("compose-go rejects docker-compose.yml: %v", err)
	}
	return p
}

func readEnvExample(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("service %q: %v", name, err)
	}
	return s
}

func env(s types.ServiceConfig, key string) string {
	if v, ok := s.Environment[key]; ok && v != nil {
		return *v
	}
	return ""
}

func TestComposeStack(t *testing.T) {
	p := load(t, readEnvExample(t))
	if got, want := p.ServiceNames(), []string{"bot", "db", "ingest"}; !slices.Equal(sorted(got), want) {
		t.Errorf("services without profiles = %v; want %v", got, want)
	}

	db := service(t, p, "db")
	if !regexp.MustCompile(`^pgvector/pgvector:[0-9.]*-?pg1[5-9]$`).MatchString(db.Image) {
		t.Errorf("db image = %q; want pgvector/pgvector pinned to a PostgreSQL major", db.Image)
	}
	// Over TCP: through the Unix socket pg_isready passes while the
	// image's initialisation server, which refuses TCP, still runs.
	if db.HealthCheck == nil || len(db.HealthCheck.Test) < 2 || !regexp.MustCompile(`pg_isready .*-h 127\.0\.0\.1 `).MatchString(strings.Join(db.HealthCheck.Test, " ")) {
		t.Errorf("db healthcheck = %+v; want pg_isready -h 127.0.0.1 (TCP)", db.HealthCheck)
	}
	var dataVolume string
	for _, v := range db.Volumes {
		if v.Target == "/var/lib/postgresql/data" && v.Type == types.VolumeTypeVolume {
			dataVolume = v.Source
		}
	}
	if _, ok := p.Volumes[dataVolume]; dataVolume == "" || !ok {
		t.Errorf("db data is not on a named volume declared at the top level (volumes %+v)", db.Volumes)
	}

	ingest := service(t, p, "ingest")
	if !slices.Equal(ingest.Command, types.ShellCommand{"ingest"}) {
		t.Errorf("ingest command = %q; want [ingest]", ingest.Command)
	}
	if d := ingest.DependsOn["db"]; d.Condition != types.ServiceConditionHealthy || !d.Required {
		t.Errorf("ingest depends on db %+v; want condition service_healthy", d)
	}
	if ingest.Restart != "no" {
		t.Errorf("ingest restart = %q; want no (one-shot)", ingest.Restart)
	}

	bot := service(t, p, "bot")
	if !slices.Equal(bot.Command, types.ShellCommand{"serve"}) {
		t.Errorf("bot command = %q; want [serve]", bot.Command)
	}
	if d := bot.DependsOn["ingest"]; d.Condition != types.ServiceConditionCompletedSuccessfully || !d.Required {
		t.Errorf("bot depends on ingest %+v; want condition service_completed_successfully", d)
	}
	if len(bot.EnvFiles) == 0 || filepath.Base(bot.EnvFiles[0].Path) != ".env" {
		t.Errorf("bot env_file = %+v; want .env", bot.EnvFiles)
	}
	if bot.HealthCheck == nil || !slices.Equal([]string(bot.HealthCheck.Test), []string{"CMD", "coopbot", "healthcheck"}) {
		t.Errorf("bot healthcheck = %+v; want coopbot healthcheck", bot.HealthCheck)
	}
	if len(bot.Ports) != 1 || bot.Ports[0].Target != 8080 || bot.Ports[0].Published != "8080" {
		t.Errorf("bot ports = %+v; want 8080:8080", bot.Ports)
	}
	if env(bot, "HTTP_ADDR") != ":8080" {
		t.Errorf("bot HTTP_ADDR = %q; want :8080 (the published port)", env(bot, "HTTP_ADDR"))
	}
	if bot.Image != ingest.Image || bot.Build == nil || ingest.Build == nil {
		t.Errorf("bot and ingest must run the same built image: %q, %q", bot.Image, ingest.Image)
	}

	// Env wiring: both reach the db service with the .env credentials, and
	// share the embedder settings (a mismatch would make every search fail).
	for _, s := range []types.ServiceConfig{ingest, bot} {
		u, err := url.Parse(env(s, "DATABASE_URL"))
		if err != nil || u.Hostname() != "db" || u.User.Username() != "coopbot" {
			t.Errorf("%s DATABASE_URL = %q; want postgres://coopbot:…@db:5432/…", s.Name, env(s, "DATABASE_URL"))
			continue
		}
		if pw, _ := u.User.Password(); pw != env(db, "POSTGRES_PASSWORD") || pw != "change-me" {
			t.Errorf("%s DATABASE_URL password %q; want db's POSTGRES_PASSWORD %q from .env", s.Name, pw, env(db, "POSTGRES_PASSWORD"))
		}
		if env(s, "EMBEDDER") != "semantic" || env(s, "LOG_LEVEL") != "info" {
			t.Errorf("%s does not get .env: EMBEDDER=%q LOG_LEVEL=%q", s.Name, env(s, "EMBEDDER"), env(s, "LOG_LEVEL"))
		}
	}
	if env(bot, "DATABASE_URL") != env(ingest, "DATABASE_URL") {
		t.Errorf("bot and ingest use different databases")
	}
	if bot.StopGracePeriod == nil || *bot.StopGracePeriod <= types.Duration(10e9) {
		t.Errorf("bot stop_grace_period = %v; want more than SHUTDOWN_TIMEOUT (10s)", bot.StopGracePeriod)
	}
}

func TestComposeWithoutDotEnv(t *testing.T) {
	// docker compose up works before cp .env.example .env, with defaults.
	p := load(t, "")
	bot := service(t, p, "bot")
	if u, err := url.Parse(env(bot, "DATABASE_URL")); err != nil || u.Hostname() != "db" {
		t.Errorf("bot DATABASE_URL = %q without .env", env(bot, "DATABASE_URL"))
	}
}

func TestComposeOllamaProfile(t *testing.T) {
	// The .env.example with its Ollama lines uncommented.
	dotEnv := regexp.MustCompile(`(?m)^# ((EMBEDDER|EMBEDDING_MODEL|OPENAI_BASE_URL|CHAT_MODEL)=)`).ReplaceAllString(readEnvExample(t), "$1")
	p := load(t, dotEnv, "ollama")
	ollama := service(t, p, "ollama")
	if strings.HasSuffix(ollama.Image, ":latest") || !strings.Contains(ollama.Image, ":") {
		t.Errorf("ollama image = %q; want a pinned tag", ollama.Image)
	}
	pull := service(t, p, "ollama-pull")
	if d := pull.DependsOn["ollama"]; d.Condition != types.ServiceConditionHealthy {
		t.Errorf("ollama-pull depends on ollama %+v; want service_healthy", d)
	}
	if cmd := strings.Join(pull.Command, " "); !strings.Contains(cmd, "nomic-embed-text") || !strings.Contains(cmd, "llama3.2:1b") {
		t.Errorf("ollama-pull command %q does not pull the .env models", cmd)
	}
	ingest := service(t, p, "ingest")
	if d := ingest.DependsOn["ollama-pull"]; d.Condition != types.ServiceConditionCompletedSuccessfully {
		t.Errorf("ingest depends on ollama-pull %+v; want service_completed_successfully", d)
	}
	for _, s := range []types.ServiceConfig{ingest, service(t, p, "bot")} {
		u, err := url.Parse(env(s, "OPENAI_BASE_URL"))
		if err != nil || u.Hostname() != "ollama" || u.Port() != "11434" {
			t.Errorf("%s OPENAI_BASE_URL = %q; want the ollama service", s.Name, env(s, "OPENAI_BASE_URL"))
		}
		if env(s, "EMBEDDER") != "openai" || env(s, "EMBEDDING_MODEL") != "nomic-embed-text" {
			t.Errorf("%s EMBEDDER=%q EMBEDDING_MODEL=%q; want openai, nomic-embed-text", s.Name, env(s, "EMBEDDER"), env(s, "EMBEDDING_MODEL"))
		}
	}
	// Without the profile, the optional dependency disappears.
	p = load(t, readEnvExample(t))
	if _, err := p.GetService("ollama"); err == nil {
		t.Errorf("ollama runs without --profile ollama")
	}
}

// TestEnvExampleListsEveryVariable checks that .env.example names every
// variable cmd/coopbot/config.go reads, each with a comment.
func TestEnvExampleListsEveryVariable(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(root, "cmd", "coopbot", "config.go"))
	if err != nil {
		t.Fatal(err)
	}
	example := readEnvExample(t)
	vars := regexp.MustCompile(`\b(?:str|secret|list|num|integer|index|boolean|dur)\("([A-Z][A-Z0-9_]*)"`).FindAllStringSubmatch(string(src), -1)
	if len(vars) < 20 {
		t.Fatalf("found only %d variables in config.go; the pattern is out of date", len(vars))
	}
	lines := strings.Split(example, "\n")
	for _, m := range vars {
		name := m[1]
		i := slices.IndexFunc(lines, func(l string) bool {
			return strings.HasPrefix(l, name+"=") || strings.HasPrefix(l, "# "+name+"=")
		})
		if i < 0 {
			t.Errorf(".env.example lacks %s", name)
			continue
		}
		if i == 0 || !strings.HasPrefix(lines[i-1], "#") {
			t.Errorf(".env.example: %s has no comment above it", name)
		}
	}
	// It parses as a dotenv file.
	if _, err := dotenv.UnmarshalBytesWithLookup([]byte(example), nil); err != nil {
		t.Errorf(".env.example does not parse: %v", err)
	}
}

func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(df, -1)
	if len(froms) < 2 {
		t.Fatalf("Dockerfile has %d stages; want a multi-stage build", len(froms))
	}
	runtime := froms[len(froms)-1][1]
	if !strings.Contains(runtime, "distroless/static") && !strings.Contains(runtime, "scratch") {
		t.Errorf("runtime image %q; want a small static base", runtime)
	}
	for _, want := range []string{"CGO_ENABLED=0", "./cmd/coopbot", "USER nonroot", `ENTRYPOINT ["coopbot"]`, "HEALTHCHECK"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	// The builder's Go matches go.mod's.
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goVer := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(string(mod))
	if goVer == nil || !strings.Contains(froms[0][1], "golang:"+goVer[1]) {
		t.Errorf("build image %q; want golang:%v", froms[0][1], goVer)
	}
	// The corpus is embedded, so the build context must keep it.
	ignore, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(ignore), "\n") {
		if l = strings.TrimSpace(l); l == "corpus" || l == "*.md" || l == "**/*.md" {
			t.Errorf(".dockerignore drops the embedded corpus with %q", l)
		}
	}
	if !strings.Contains(string(ignore), ".env") {
		t.Errorf(".dockerignore must keep .env (secrets) out of the image")
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
