package pgtest

import (
	"fmt"
	"net"
	"os"
	osexec "os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
)

// EnvBin names the variable holding the PostgreSQL server binaries'
// directory (default /usr/lib/postgresql/15/bin).
const EnvBin = "PG_BIN"

// Cluster is a throwaway PostgreSQL server of one test's own, which the
// test may stop and start again on the same port, to exercise a database
// that is down at start or goes away while serving. Its superuser is
// "postgres" with trust authentication; pgvector must be installed in the
// server (scripts/test.sh installs it).
type Cluster struct {
	// Port is the 127.0.0.1 port the server listens on.
	Port  int
	dir   string
	bin   string
	runas []string
}

// NewCluster creates (initdb) a cluster in a temporary directory, on a
// free port, without starting it; it is stopped and removed when t ends.
// When the server binaries are missing, t is skipped, or failed with
// COOPBOT_REQUIRE_DB=1. As root it runs the server as the postgres user
// (initdb refuses root), which must exist.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	bin := os.Getenv(EnvBin)
	if bin == "" {
		bin = "/usr/lib/postgresql/15/bin"
	}
	missing := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("%s, but %s=1", msg, EnvRequire)
		}
		t.Skip(msg + ": skipping a test that needs its own PostgreSQL cluster")
	}
	if _, err := os.Stat(filepath.Join(bin, "initdb")); err != nil {
		missing("no PostgreSQL server binaries in %s (set %s)", bin, EnvBin)
	}
	c := &Cluster{bin: bin}
	dir, err := os.MkdirTemp("/tmp", "coopbot-cluster-") // /tmp: the postgres user must reach it
	if err != nil {
		t.Fatal(err)
	}
	c.dir = dir
	t.Cleanup(func() {
		if _, err := os.Stat(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
			_ = c.pgctl("-m", "immediate", "-w", "stop")
		}
		_ = os.RemoveAll(dir)
	})
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Getuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			missing("running as root without a postgres user to run the server")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		c.runas = []string{"runuser", "-u", "postgres", "--"}
	}
	if out, err := c.run(filepath.Join(bin, "initdb"), "-D", c.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.Port = l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return c
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *Cluster) run(name string, args ...string) ([]byte, error) {
	argv := append(append([]string{}, c.runas...), name)
	argv = append(argv, args...)
	return osexec.Command(argv[0], argv[1:]...).CombinedOutput()
}

func (c *Cluster) pgctl(args ...string) error {
	out, err := c.run(filepath.Join(c.bin, "pg_ctl"), append([]string{"-D", c.data()}, args...)...)
	if err != nil {
		return fmt.Errorf("pg_ctl %v: %w\n%s", args, err, out)
	}
	return nil
}

// URL returns the URL of database dbname ("postgres" always exists) as
// the superuser.
func (c *Cluster) URL(dbname string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, dbname)
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start(t testing.TB) {
	t.Helper()
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -c unix_socket_directories=%s -c fsync=off -c synchronous_commit=off -c full_page_writes=off", c.Port, c.dir)
	if err := c.pgctl("-l", filepath.Join(c.dir, "postgres.log"), "-w", "-t", "60", "-o", opts, "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "postgres.log"))
		t.Fatalf("start cluster: %v\n%s", err, log)
	}
}

// Stop stops the server with pg_ctl stop -m fast: open connections are
// terminated, as when a database is shut down under a running service.
func (c *Cluster) Stop(t testing.TB) {
	t.Helper()
	if err := c.pgctl("-m", "fast", "-w", "-t", "60", "stop"); err != nil {
		t.Fatalf("stop cluster: %v", err)
	}
}
