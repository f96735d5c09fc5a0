// Package pgtest gives tests a real PostgreSQL database of their own.
//
// The server comes from TEST_DATABASE_URL, an admin URL whose role may
// create databases (scripts/test.sh starts a throwaway server with pgvector
// and sets it). Without it, tests that need a database are skipped, unless
// COOPBOT_REQUIRE_DB=1, when they fail: CI must never pass by skipping.
//
// go test runs packages in parallel processes, so every database name
// includes a hash of the test binary's working directory (the package
// directory): two packages asking for the same name still get separate
// databases. The intended pattern is one database per package test that
// migrates once and truncates between subtests.
package pgtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable holding the admin database URL.
const EnvURL = "TEST_DATABASE_URL"

// EnvRequire names the variable that, set to 1, turns a missing database
// from a skip into a failure.
const EnvRequire = "COOPBOT_REQUIRE_DB"

// AdminURL returns TEST_DATABASE_URL, or skips t (fails it when
// COOPBOT_REQUIRE_DB=1) if it is unset.
func AdminURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("%s is unset but %s=1: run the tests with make test, or point %s at a PostgreSQL with pgvector", EnvURL, EnvRequire, EnvURL)
		}
		t.Skipf("%s is unset: skipping a test that needs PostgreSQL (make test provisions one)", EnvURL)
	}
	return u
}

// DBName returns the database name NewDB uses for name in the current
// package: "coopbot_" + name sanitized to [a-z0-9_] + "_" + an 8-hex-digit
// hash of the working directory, at most 63 bytes.
func DBName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" {
		s = "db"
	}
	if len(s) > 40 {
		s = s[:40]
	}
	wd, _ := os.Getwd()
	sum := sha256.Sum256([]byte(wd))
	return "coopbot_" + s + "_" + hex.EncodeToString(sum[:4])
}

// NewDB creates a fresh, empty database for the calling package (dropping
// a leftover one of the same name), returns its URL, and drops it when t
// finishes. Call it once per name at a time; tests of one package that run
// in parallel need distinct names.
func NewDB(t testing.TB, name string) string {
	t.Helper()
	admin := AdminURL(t)
	dbname := DBName(name)
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL", EnvURL)
	}
	ident := pgx.Identifier{dbname}.Sanitize()
	exec(t, admin, `DROP DATABASE IF EXISTS `+ident+` WITH (FORCE)`)
	exec(t, admin, `CREATE DATABASE `+ident)
	t.Cleanup(func() {
		exec(t, admin, `DROP DATABASE IF EXISTS `+ident+` WITH (FORCE)`)
	})
	u.Path = "/" + dbname
	return u.String()
}

// Truncate empties the given tables of the database at databaseURL
// (TRUNCATE ... RESTART IDENTITY CASCADE), or, with no tables named, every
// table in the public schema except goose's version table.
func Truncate(t testing.TB, databaseURL string, tables ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if len(tables) == 0 {
		rows, err := conn.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'goose_db_version' ORDER BY tablename`)
		if err != nil {
			t.Fatalf("pgtest: list tables: %v", err)
		}
		tables, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("pgtest: list tables: %v", err)
		}
	}
	if len(tables) == 0 {
		return
	}
	quoted := make([]string, len(tables))
	for i, tb := range tables {
		quoted[i] = pgx.Identifier{tb}.Sanitize()
	}
	if _, err := conn.Exec(ctx, `TRUNCATE `+strings.Join(quoted, ", ")+` RESTART IDENTITY CASCADE`); err != nil {
		t.Fatalf("pgtest: truncate: %v", err)
	}
}

func exec(t testing.TB, databaseURL, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", EnvURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("pgtest: %s: %v", sql, err)
	}
}
