package postgres_test

import (
	"context"
	neturl "net/url"
	"strings"
	"testing"
	"time"

	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/postgres"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := postgres.Open(ctx, "postgres://coopbot:s3cret-pw@127.0.0.1:1/coopbot?sslmode=disable", postgres.Options{Analyzer: snowball.New()})
	if code := retrieval.ErrorCode(err); code != retrieval.EUNAVAILABLE {
		t.Fatalf("Open(127.0.0.1:1) code = %q (%v); want %q", code, err, retrieval.EUNAVAILABLE)
	}
	if msg := retrieval.ErrorDetail(err); msg != "cannot reach the database at 127.0.0.1:1" {
		t.Errorf("Open(127.0.0.1:1) message = %q; want %q", msg, "cannot reach the database at 127.0.0.1:1")
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("Open error %q reveals the password", err)
	}
	_, err = postgres.Open(ctx, "postgres://coopbot:s3cret-pw@127.0.0.1:notaport/x", postgres.Options{Analyzer: snowball.New()})
	if code := retrieval.ErrorCode(err); code != retrieval.EINVALID || strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("Open(bad URL) = %q, %v; want %q without the password", code, err, retrieval.EINVALID)
	}
}

func TestOpenMissingDatabase(t *testing.T) {
	admin := pgtest.AdminURL(t)
	u, err := neturl.Parse(admin)
	if err != nil {
		t.Fatalf("parse %s: %v", pgtest.EnvURL, err)
	}
	u.Path = "/coopbot_no_such_database"
	_, err = postgres.Open(context.Background(), u.String(), postgres.Options{Analyzer: snowball.New()})
	want := `database "coopbot_no_such_database" does not exist at ` + u.Host + `: create it and retry`
	if retrieval.ErrorCode(err) != retrieval.EUNAVAILABLE || retrieval.ErrorDetail(err) != want {
		t.Errorf("Open(missing database) = %q, %q; want %q, %q", retrieval.ErrorCode(err), retrieval.ErrorDetail(err), retrieval.EUNAVAILABLE, want)
	}
}
