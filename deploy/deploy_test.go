package deploy

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// buildBinary builds cmd/provcheck into dir/usr/local/bin/provcheck.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "usr", "local", "bin", "provcheck")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/provcheck/provcheck/cmd/provcheck").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestSystemdUnit: the unit passes `systemd-analyze verify` with no
// warning (unknown keys are only warned about), keeps its sandboxing, and
// `systemd-analyze security` rates its exposure low. make test installs
// Debian's systemd package when systemd-analyze is missing.
func TestSystemdUnit(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Fatal("systemd-analyze is missing: make deps-systemd installs Debian's systemd package")
	}
	unit, err := os.ReadFile("provcheck.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DynamicUser=yes", "ProtectSystem=strict", "StateDirectory=provcheck", "NoNewPrivileges=yes",
		"PrivateTmp=yes", "ProtectHome=yes", "CapabilityBoundingSet=\n", "--addr 127.0.0.1:8080"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("the unit lacks %q", strings.TrimSpace(want))
		}
	}
	// verify checks that ExecStart's program exists: point it at a build.
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	path := filepath.Join(dir, "provcheck.service")
	os.WriteFile(path, []byte(strings.ReplaceAll(string(unit), "/usr/local/bin/provcheck", bin)), 0o644)
	out, err := exec.Command("systemd-analyze", "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	// A mistyped key must not pass unseen.
	bad := filepath.Join(dir, "bad.service")
	os.WriteFile(bad, []byte(strings.Replace(string(unit), "ProtectSystem=", "ProtectSytem=", 1)), 0o644)
	if out, _ := exec.Command("systemd-analyze", "verify", bad).CombinedOutput(); !strings.Contains(string(out), "Unknown key") {
		t.Errorf("verify did not report a mistyped key: %s", out)
	}
	out, _ = exec.Command("systemd-analyze", "security", "--offline=yes", "--no-pager", path).CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for provcheck.service: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security gave no exposure level:\n%s", out)
	}
	level, _ := strconv.ParseFloat(string(m[1]), 64)
	t.Logf("systemd-analyze security: exposure %.1f", level)
	if level > 2.0 {
		t.Errorf("exposure level %.1f: the sandboxing got weaker (was 1.5)", level)
	}
}

// dockerfile is the parsed instructions of ../Dockerfile by stage.
type instruction struct{ cmd, args string }

func parseDockerfile(t *testing.T) [][]instruction {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var stages [][]instruction
	var cur strings.Builder
	sc := bufio.NewScanner(f)
	flush := func() {
		line := strings.TrimSpace(cur.String())
		cur.Reset()
		if line == "" {
			return
		}
		cmd, args, _ := strings.Cut(line, " ")
		cmd = strings.ToUpper(cmd)
		if cmd == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			t.Fatalf("instruction before FROM: %s", line)
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], instruction{cmd, strings.TrimSpace(args)})
	}
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		flush()
	}
	flush()
	return stages
}

func find(stage []instruction, cmd string) []string {
	var out []string
	for _, in := range stage {
		if in.cmd == cmd {
			out = append(out, in.args)
		}
	}
	return out
}

// TestDockerfileLint: without a Docker engine here, the Dockerfile is
// checked for what a build needs and what the brief asks: multi-stage, the
// Go of go.mod, a Debian slim runtime with ffmpeg, a non-root user, the
// registry on a volume, a HEALTHCHECK on /healthz, -ldflags that name real
// variables, COPY sources that exist.
func TestDockerfileLint(t *testing.T) {
	stages := parseDockerfile(t)
	if len(stages) < 2 {
		t.Fatalf("%d stage(s): want a build stage and a runtime stage", len(stages))
	}
	build, run := stages[0], stages[len(stages)-1]
	gomod, _ := os.ReadFile(filepath.Join("..", "go.mod"))
	goLine := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	if from := build[0].args; goLine == nil || !strings.HasPrefix(from, "golang:"+string(goLine[1])) {
		t.Errorf("build stage FROM %q: want golang:%s (go.mod)", from, goLine[1])
	}
	if from := run[0].args; !regexp.MustCompile(`^debian:[a-z]+-slim$`).MatchString(from) {
		t.Errorf("runtime FROM %q: want debian:<release>-slim", from)
	}
	runs := strings.Join(find(run, "RUN"), " ")
	for _, pkg := range []string{"ffmpeg", "curl", "--no-install-recommends", "rm -rf /var/lib/apt/lists"} {
		if !strings.Contains(runs, pkg) {
			t.Errorf("runtime RUN lacks %q", pkg)
		}
	}
	users := find(run, "USER")
	if len(users) == 0 || strings.HasPrefix(users[len(users)-1], "root") || strings.HasPrefix(users[len(users)-1], "0") {
		t.Errorf("runtime USER %v: want a non-root user", users)
	}
	env := strings.Join(find(run, "ENV"), " ")
	reg := regexp.MustCompile(`PROVCHECK_REGISTRY=(\S+)`).FindStringSubmatch(env)
	vols := strings.Join(find(run, "VOLUME"), " ")
	if reg == nil || !strings.Contains(vols, filepath.Dir(reg[1])) {
		t.Errorf("PROVCHECK_REGISTRY %v is not on a VOLUME (%s)", reg, vols)
	}
	hc := find(run, "HEALTHCHECK")
	if len(hc) != 1 || !strings.Contains(hc[0], "/healthz") || !strings.Contains(hc[0], ":8080") {
		t.Errorf("HEALTHCHECK %v: want one on /healthz", hc)
	}
	if !slices.Contains(find(run, "EXPOSE"), "8080") {
		t.Error("EXPOSE 8080 is missing")
	}
	if !strings.Contains(env, "PROVCHECK_SERVER_ADDR=0.0.0.0:8080") {
		t.Error("the service must listen on all interfaces inside the container (PROVCHECK_SERVER_ADDR)")
	}
	// -ldflags -X must name variables that exist.
	src, _ := os.ReadFile(filepath.Join("..", "internal", "buildinfo", "buildinfo.go"))
	buildRun := strings.Join(find(build, "RUN"), " ")
	for _, m := range regexp.MustCompile(`-X github.com/provcheck/provcheck/internal/buildinfo\.(\w+)=`).FindAllStringSubmatch(buildRun, -1) {
		if !regexp.MustCompile(`(?m)^\s+` + m[1] + `\s+string`).Match(src) {
			t.Errorf("-ldflags sets buildinfo.%s, which is not a string variable there", m[1])
		}
	}
	if !strings.Contains(buildRun, "CGO_ENABLED=0") || !strings.Contains(buildRun, "./cmd/provcheck") {
		t.Errorf("build RUN %q: want a static build of ./cmd/provcheck", buildRun)
	}
	for _, cp := range find(build, "COPY") {
		for _, f := range strings.Fields(cp)[:len(strings.Fields(cp))-1] {
			if _, err := os.Stat(filepath.Join("..", f)); err != nil {
				t.Errorf("COPY %s: %v", f, err)
			}
		}
	}
	ignore, _ := os.ReadFile(filepath.Join("..", ".dockerignore"))
	if !strings.Contains(string(ignore), ".git") {
		t.Error(".dockerignore should keep .git out of the build context")
	}
}

// TestContainerCommand runs the Dockerfile's ENTRYPOINT and CMD with its
// ENV (the registry in a temporary directory instead of the volume, a free
// port instead of 8080) and asks /healthz, as HEALTHCHECK does.
func TestContainerCommand(t *testing.T) {
	stages := parseDockerfile(t)
	run := stages[len(stages)-1]
	var entry, args []string
	json.Unmarshal([]byte(find(run, "ENTRYPOINT")[0]), &entry)
	json.Unmarshal([]byte(find(run, "CMD")[0]), &args)
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	if len(entry) != 1 || entry[0] != "/usr/local/bin/provcheck" {
		t.Fatalf("ENTRYPOINT %v", entry)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PROVCHECK_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "PROVCHECK_REGISTRY="+filepath.Join(dir, "data", "registry.db"), "PROVCHECK_SERVER_ADDR=127.0.0.1:0",
		"XDG_CONFIG_HOME="+dir, "XDG_DATA_HOME="+dir)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == "listening" {
				addrc <- rec["addr"].(string)
			}
		}
	}()
	var addr string
	select {
	case addr = <-addrc:
	case <-ctx.Done():
		t.Fatalf("the container command did not start listening")
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var h map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(body, &h) != nil || h["status"] != "ok" || h["version"] == "" {
		t.Errorf("/healthz: %d %s", resp.StatusCode, body)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "registry.db")); err != nil {
		t.Errorf("the registry was not created on the volume path: %v", err)
	}
}
