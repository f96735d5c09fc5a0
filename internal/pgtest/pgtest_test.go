package pgtest_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/coopbot/coopbot/internal/pgtest"
)

func TestDBName(t *testing.T) {
	valid := regexp.MustCompile(`^coopbot_[a-z0-9_]+_[0-9a-f]{8}$`)
	for _, name := range []string{"postgres", "Ingest-Tests", "a b/c;DROP", strings.Repeat("x", 100), ""} {
		got := pgtest.DBName(name)
		if !valid.MatchString(got) || len(got) > 63 {
			t.Errorf("DBName(%q) = %q; want coopbot_<[a-z0-9_]>_<hash>, at most 63 bytes", name, got)
		}
		if again := pgtest.DBName(name); again != got {
			t.Errorf("DBName(%q) = %q, then %q; want stable", name, got, again)
		}
	}
	if a, b := pgtest.DBName("one"), pgtest.DBName("two"); a == b {
		t.Errorf("DBName(one) = DBName(two) = %q; want distinct", a)
	}
}

func TestNewDBAndTruncate(t *testing.T) {
	admin := pgtest.AdminURL(t)
	ctx := context.Background()
	var dbURL string
	t.Run("use", func(t *testing.T) {
		dbURL = pgtest.NewDB(t, "pgtest_self")
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Fatalf("connect to new database: %v", err)
		}
		defer conn.Close(ctx)
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("tables in new database = %d, %v; want 0, nil", n, err)
		}
		for _, stmt := range []string{
			`CREATE TABLE goose_db_version (id serial PRIMARY KEY)`,
			`CREATE TABLE items (id serial PRIMARY KEY, name text)`,
			`INSERT INTO goose_db_version DEFAULT VALUES`,
			`INSERT INTO items (name) VALUES ('a'), ('b')`,
		} {
			if _, err := conn.Exec(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		pgtest.Truncate(t, dbURL)
		for table, want := range map[string]int{"items": 0, "goose_db_version": 1} {
			if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil || n != want {
				t.Errorf("rows in %s after Truncate = %d, %v; want %d", table, n, err, want)
			}
		}
	})
	// The subtest's cleanup must have dropped its database.
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect admin: %v", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, pgtest.DBName("pgtest_self")).Scan(&exists); err != nil || exists {
		t.Errorf("database %s exists after cleanup = %v, %v; want false", pgtest.DBName("pgtest_self"), exists, err)
	}
	if !strings.Contains(dbURL, pgtest.DBName("pgtest_self")) {
		t.Errorf("NewDB URL = %q; want it to name database %s", dbURL, pgtest.DBName("pgtest_self"))
	}
}
