package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeProcess builds provcheck, runs `provcheck serve` on a free
// loopback port, registers and checks media over HTTP, then stops it with
// SIGTERM while an upload is in flight.
func TestServeProcess(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "provcheck")
	build := exec.Command("go", "build", "-o", bin, "github.com/provcheck/provcheck/cmd/provcheck")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--registry", filepath.Join(dir, "registry.db"), "--create", "serve", "--addr", "127.0.0.1:0", "--log-format", "json")
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PROVCHECK_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "PROVCHECK_API_KEYS=other-key-0123456789abcdef, "+testKey,
		"XDG_CONFIG_HOME="+dir, "XDG_DATA_HOME="+dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	defer func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
		}
	}()
	// The log, line by line; the first "listening" line has the address.
	var logBuf bytes.Buffer
	logMu := &syncWriter{w: &logBuf}
	logText := func() string {
		logMu.mu.Lock()
		defer logMu.mu.Unlock()
		return logBuf.String()
	}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logMu.Write(append(sc.Bytes(), '\n'))
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == "listening" {
				addrc <- rec["addr"].(string)
			}
		}
		exited <- cmd.Wait()
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-exited:
		t.Fatalf("serve exited: %v\n%s", err, logText())
	case <-time.After(30 * time.Second):
		t.Fatalf("no listening line:\n%s", logText())
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		t.Fatalf("listening on %q", addr)
	}
	url := "http://" + addr
	waitFor(t, "readiness", func() bool {
		resp, err := http.Get(url + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})

	m := getMedia(t)
	body, ct := form(t, []formFile{{"file", "photo.jpg", m.read(t, "photo.jpg")}},
		"id", "flood-photo", "title", "Doctored photo of a flooded square", "rating", "False",
		"fact_check", "https://example.org/fc/flood", "publisher", "Example Checks")
	if a := do(t, request(t, "POST", url+"/v1/entries", body, "Content-Type", ct)); a.status != 401 {
		t.Errorf("registration without a key: %s", a)
	}
	body, ct = form(t, []formFile{{"file", "photo.jpg", m.read(t, "photo.jpg")}},
		"id", "flood-photo", "title", "Doctored photo of a flooded square", "rating", "False",
		"fact_check", "https://example.org/fc/flood", "publisher", "Example Checks")
	if a := do(t, request(t, "POST", url+"/v1/entries", body, "Content-Type", ct, "Authorization", "Bearer "+testKey)); a.status != 201 {
		t.Fatalf("registration: %s", a)
	}
	a := do(t, request(t, "POST", url+"/v1/check?reply_format=markdown", bytes.NewReader(m.read(t, "photo-small.jpg"))))
	if verdictOf(t, a) != "match" || !strings.Contains(a.json(t)["reply"].(string), "[Example Checks](https://example.org/fc/flood)") {
		t.Fatalf("check: %s", a)
	}
	if a := do(t, request(t, "GET", url+"/openapi.json", nil)); a.status != 200 {
		t.Errorf("openapi.json: %s", a)
	}

	// SIGTERM with an upload in flight.
	finish := slowUpload(t, url, m.read(t, "photo-small.jpg"))
	waitFor(t, "the upload to start", func() bool {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return strings.Contains(b.String(), "\nprovcheck_uploads_in_progress 1\n")
	})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "new connections to be refused", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return errors.Is(err, syscall.ECONNREFUSED)
		}
		c.Close()
		return false
	})
	if a := finish(); verdictOf(t, a) != "match" {
		t.Errorf("the check in flight at SIGTERM: %s", a)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("serve exited with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not exit after SIGTERM")
	}
	log := logText()
	for _, want := range []string{`"msg":"shutting down`, `"msg":"stopped"`, `"route":"POST /v1/check"`, `"verdict":"match"`} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %s:\n%s", want, log)
		}
	}
	if strings.Contains(log, testKey) {
		t.Error("the log shows an API key")
	}
}
