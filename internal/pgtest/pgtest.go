// Package pgtest starts a throwaway PostgreSQL cluster for tests: initdb
// into a temporary directory, pg_ctl start listening only on a unix socket
// in that directory, one fresh database per test, and the cluster stopped
// and removed when the test binary ends.
//
// The server binaries are looked for in $PROVCHECK_PG_BIN, then in Debian's
// /usr/lib/postgresql/N/bin (the highest N), then on $PATH. PostgreSQL
// refuses to run as root, so as root the cluster runs as the "postgres"
// user (created by Debian's postgresql package) through runuser.
//
// When no server can be started, tests skip with the reason — except under
// CI (CI=true), where they fail: the PostgreSQL tests must always run there.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cluster is a running throwaway server.
type Cluster struct {
	dir     string // data directory and socket directory
	bin     string
	runAs   string // user the server runs as ("" : this process's user)
	runuser string // the runuser program, when runAs is set
	port    int
}

var (
	once    sync.Once
	shared  *Cluster
	initErr error
	dbSeq   atomic.Int64
)

// Main runs the tests of a package and stops the cluster, if one was
// started, before the binary exits. Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	if shared != nil {
		shared.Stop()
	}
	return code
}

// DSN returns the URL of a new, empty database on the shared cluster,
// starting the cluster on first use. It skips the test (fails it under CI)
// when no server can be started.
func DSN(t testing.TB) string {
	t.Helper()
	c := cluster(t)
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.exec(ctx, "postgres", "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	return c.URL(name)
}

// Shared returns the shared cluster, starting it on first use (skipping or
// failing the test as DSN does).
func Shared(t testing.TB) *Cluster {
	t.Helper()
	return cluster(t)
}

func cluster(t testing.TB) *Cluster {
	once.Do(func() { shared, initErr = Start() })
	if initErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pgtest: PostgreSQL is required under CI: %v", initErr)
		}
		t.Skipf("pgtest: no PostgreSQL server could be started (install it: apt-get install -y postgresql): %v", initErr)
	}
	return shared
}

// URL is the connection URL of database db on the cluster.
func (c *Cluster) URL(db string) string {
	q := url.Values{"host": {c.dir}, "port": {strconv.Itoa(c.port)}, "sslmode": {"disable"}}
	return (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/" + db, RawQuery: q.Encode()}).String()
}

func (c *Cluster) exec(ctx context.Context, db, sql string) error {
	conn, err := pgx.Connect(ctx, c.URL(db))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// Start creates and starts a new cluster.
func Start() (*Cluster, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	c := &Cluster{bin: bin, port: 5432}
	var uid, gid = -1, -1
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, errors.New(`running as root and there is no "postgres" user to run the server as`)
		}
		if c.runuser = findRunuser(); c.runuser == "" {
			return nil, errors.New("running as root and runuser is missing")
		}
		c.runAs = u.Username
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
	}
	if c.dir, err = os.MkdirTemp("", "provcheck-pg-"); err != nil {
		return nil, err
	}
	if uid >= 0 {
		if err := os.Chown(c.dir, uid, gid); err != nil {
			os.RemoveAll(c.dir)
			return nil, err
		}
	}
	data := filepath.Join(c.dir, "data")
	if out, err := c.run(2*time.Minute, "initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		os.RemoveAll(c.dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, tail(out))
	}
	// No TCP: the server listens on a unix socket in its own directory, so
	// it never collides with another server on this machine.
	opts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories=%s -c port=%d -c fsync=off -c full_page_writes=off -c max_connections=200", c.dir, c.port)
	if out, err := c.run(2*time.Minute, "pg_ctl", "start", "-w", "-t", "60", "-D", data, "-l", filepath.Join(c.dir, "log"), "-o", opts); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		os.RemoveAll(c.dir)
		return nil, fmt.Errorf("pg_ctl start: %v: %s %s", err, tail(out), tail(log))
	}
	return c, nil
}

// Stop stops the server at once and removes its directory.
func (c *Cluster) Stop() {
	c.run(time.Minute, "pg_ctl", "stop", "-m", "immediate", "-w", "-D", filepath.Join(c.dir, "data"))
	os.RemoveAll(c.dir)
}

// Kill stops the server at once (as a crash would), keeping its data, so
// Restart can bring it back.
func (c *Cluster) Kill() error {
	out, err := c.run(time.Minute, "pg_ctl", "stop", "-m", "immediate", "-w", "-D", filepath.Join(c.dir, "data"))
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %v: %s", err, tail(out))
	}
	return nil
}

// Restart starts a stopped server again on the same socket.
func (c *Cluster) Restart() error {
	opts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories=%s -c port=%d -c fsync=off -c full_page_writes=off -c max_connections=200", c.dir, c.port)
	out, err := c.run(2*time.Minute, "pg_ctl", "start", "-w", "-t", "60", "-D", filepath.Join(c.dir, "data"), "-l", filepath.Join(c.dir, "log"), "-o", opts)
	if err != nil {
		return fmt.Errorf("pg_ctl start: %v: %s", err, tail(out))
	}
	return nil
}

func (c *Cluster) run(timeout time.Duration, prog string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	path := filepath.Join(c.bin, prog)
	var cmd *exec.Cmd
	if c.runAs != "" {
		cmd = exec.CommandContext(ctx, c.runuser, append([]string{"-u", c.runAs, "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	return cmd.CombinedOutput()
}

// findRunuser finds util-linux's runuser, also when the sbin directories
// are not on $PATH.
func findRunuser() string {
	if p, err := exec.LookPath("runuser"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// findBin finds the directory holding initdb and pg_ctl.
func findBin() (string, error) {
	ok := func(dir string) bool {
		for _, p := range []string{"initdb", "pg_ctl", "postgres"} {
			if fi, err := os.Stat(filepath.Join(dir, p)); err != nil || fi.Mode()&0o111 == 0 {
				return false
			}
		}
		return true
	}
	if d := os.Getenv("PROVCHECK_PG_BIN"); d != "" {
		if ok(d) {
			return d, nil
		}
		return "", fmt.Errorf("PROVCHECK_PG_BIN=%s holds no initdb, pg_ctl and postgres", d)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if ok(d) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && ok(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
	}
	return "", errors.New("no initdb/pg_ctl found in /usr/lib/postgresql/*/bin or on PATH")
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func tail(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 600 {
		s = "…" + s[len(s)-600:]
	}
	return s
}
