package pgtest

import (
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
)

// Read replica of TEST_DATABASE_URL's server: scripts/test.sh starts one
// with pg_basebackup -R and sets these (and COOPBOT_REQUIRE_REPLICA=1, so
// that CI never passes by skipping the test that needs it).
const (
	// EnvReadURL names the variable holding the replica's admin URL.
	EnvReadURL = "TEST_DATABASE_READ_URL"
	// EnvReadData names the variable holding the replica's data
	// directory (…/data), so a test may stop it.
	EnvReadData = "TEST_DATABASE_READ_PGDATA"
	// EnvRequireReplica names the variable that, set to 1, turns a
	// missing replica from a skip into a failure.
	EnvRequireReplica = "COOPBOT_REQUIRE_REPLICA"
)

// ReadReplica returns the URL of database dbname on the streaming
// replica and the replica's server, which the test may Stop (it is not
// restarted: one test in a run may stop it). Without the variables t is
// skipped, or failed with COOPBOT_REQUIRE_REPLICA=1.
func ReadReplica(t testing.TB, dbname string) (string, *Cluster) {
	t.Helper()
	admin, data := os.Getenv(EnvReadURL), os.Getenv(EnvReadData)
	if admin == "" || data == "" || filepath.Base(data) != "data" {
		msg := EnvReadURL + " and " + EnvReadData + " (a directory named data) are unset"
		if os.Getenv(EnvRequireReplica) == "1" {
			t.Fatalf("%s but %s=1: run the tests with make test", msg, EnvRequireReplica)
		}
		t.Skip(msg + ": skipping a test that needs a read replica (make test starts one)")
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s must be a postgres:// URL", EnvReadURL)
	}
	port, _ := strconv.Atoi(u.Port())
	bin := os.Getenv(EnvBin)
	if bin == "" {
		bin = "/usr/lib/postgresql/15/bin"
	}
	c := &Cluster{Port: port, dir: filepath.Dir(data), bin: bin}
	if os.Getuid() == 0 {
		if _, err := user.Lookup("postgres"); err != nil {
			t.Fatal("running as root without a postgres user to run pg_ctl")
		}
		c.runas = []string{"runuser", "-u", "postgres", "--"}
	}
	u.Path = "/" + dbname
	return u.String(), c
}
