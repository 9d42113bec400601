//go:build linux

package ffmpeg

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// procState returns the state letter of process pid ("R", "S", "Z", …)
// and its process group, or "" if there is no such process.
func procState(pid int) (state string, pgrp int) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0
	}
	// "pid (comm) state ppid pgrp …"; comm may contain spaces and parens.
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 3 {
		return "", 0
	}
	pgrp, _ = strconv.Atoi(fields[2])
	return fields[0], pgrp
}

// liveInGroup lists the live (not zombie) processes in process group pgid.
func liveInGroup(pgid int) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if state, pgrp := procState(pid); pgrp == pgid && state != "" && state != "Z" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// recordStarts collects the pid of every process the package starts.
func recordStarts(t *testing.T) func() []int {
	var mu sync.Mutex
	var pids []int
	testHookStarted = func(cmd *exec.Cmd) {
		mu.Lock()
		pids = append(pids, cmd.Process.Pid)
		mu.Unlock()
		if cmd.SysProcAttr == nil || !cmd.SysProcAttr.Setpgid || cmd.SysProcAttr.Pdeathsig != syscall.SIGKILL {
			t.Errorf("process started without its own group and parent-death signal: %+v", cmd.SysProcAttr)
		}
	}
	t.Cleanup(func() { testHookStarted = nil })
	return func() []int {
		mu.Lock()
		defer mu.Unlock()
		return append([]int(nil), pids...)
	}
}

// assertGone checks that each started process has ended and that nothing
// is left in its process group.
func assertGone(t *testing.T, pids []int) {
	t.Helper()
	if len(pids) == 0 {
		t.Fatal("no process was started")
	}
	for _, pid := range pids {
		if state, _ := procState(pid); state != "" && state != "Z" {
			t.Errorf("process %d still running (state %s)", pid, state)
		}
		if left := liveInGroup(pid); len(left) > 0 {
			t.Errorf("process group %d still has %v", pid, left)
		}
	}
}

// TestTimeoutKillsProcessGroup: a run still going at the deadline is
// killed, group and all, and the error says it timed out.
func TestTimeoutKillsProcessGroup(t *testing.T) {
	path := gradientClip(t)
	f := newFF(t, Config{Timeout: 5 * time.Second})
	started := recordStarts(t)
	begin := time.Now()
	n := 0
	// A slow consumer: 250 frames at 100 ms each would take 25 s.
	_, err := f.Frames(context.Background(), path, SampleOptions{}, func(Frame) error {
		n++
		time.Sleep(100 * time.Millisecond)
		return nil
	})
	elapsed := time.Since(begin)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if want := "ffmpeg: " + path + ": timed out after 5s"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("message %q, want it to start with %q", err, want)
	}
	if n == 0 || n >= 250 {
		t.Errorf("%d frames before the deadline; want ffmpeg killed mid-stream", n)
	}
	if elapsed > 5*time.Second+waitDelay {
		t.Errorf("returned after %v", elapsed)
	}
	pids := started()
	if len(pids) != 1 {
		t.Fatalf("started %v, want ffmpeg alone (an MP4 header is read in Go)", pids)
	}
	assertGone(t, pids)
}

// TestHangingInputKilled: ffmpeg blocked opening a named pipe (which the
// public calls refuse up front; here the check is bypassed) is killed at
// the deadline.
func TestHangingInputKilled(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo.mp4")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFF(t, Config{Timeout: time.Second})
	started := recordStarts(t)
	ctx, cancel := f.withTimeout(context.Background())
	defer cancel()
	p := probed{Info: Info{Width: 64, Height: 48}}
	begin := time.Now()
	sz := frameSizes{img: size{64, 48}}
	err := f.stream(ctx, fifo, f.frameArgs("file:"+fifo, p, SampleOptions{}, sz, false, false), sz, 0,
		func(Frame) error { return nil })
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if elapsed := time.Since(begin); elapsed > time.Second+waitDelay {
		t.Errorf("returned after %v", elapsed)
	}
	assertGone(t, started())
}

// TestStopKillsProcess: ending early (ErrStop, an error, MaxFrames) leaves
// no ffmpeg behind.
func TestStopKillsProcess(t *testing.T) {
	path := gradientClip(t)
	f := newFF(t, Config{})
	for _, stop := range []error{ErrStop, errors.New("callback failed")} {
		started := recordStarts(t)
		_, err := f.Frames(context.Background(), path, SampleOptions{}, func(Frame) error { return stop })
		if stop == ErrStop && err != nil || stop != ErrStop && err != stop {
			t.Fatalf("stop with %v: err = %v", stop, err)
		}
		assertGone(t, started())
	}
	started := recordStarts(t)
	if _, err := f.Frames(context.Background(), path, SampleOptions{MaxFrames: 1}, func(Frame) error { return nil }); err != nil {
		t.Fatal(err)
	}
	assertGone(t, started())
}

const helperEnv = "PROVCHECK_FFMPEG_TEST_HELPER"

// In the child process of TestParentDeathKillsFFmpeg, init hands over to
// helperMain before any test runs.
func init() {
	if fifo := os.Getenv(helperEnv); fifo != "" {
		helperMain(fifo)
		os.Exit(0)
	}
}

// helperMain starts ffmpeg on a named pipe (it blocks there), prints its
// pid and waits to be killed.
func helperMain(fifo string) {
	f, err := New(Config{Timeout: time.Minute})
	if err != nil {
		fmt.Println("error", err)
		return
	}
	testHookStarted = func(cmd *exec.Cmd) { fmt.Println(cmd.Process.Pid) }
	ctx, cancel := f.withTimeout(context.Background())
	defer cancel()
	sz := frameSizes{img: size{64, 48}}
	_ = f.stream(ctx, fifo, f.frameArgs("file:"+fifo, probed{Info: Info{Width: 64, Height: 48}}, SampleOptions{}, sz, false, false),
		sz, 0, func(Frame) error { return nil })
}

// TestParentDeathKillsFFmpeg: if the process running ffmpeg is killed
// outright (no chance to clean up), the kernel kills ffmpeg too.
func TestParentDeathKillsFFmpeg(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo.mp4")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	helper := exec.Command(os.Args[0], "-test.run=^$")
	helper.Env = append(os.Environ(), helperEnv+"="+fifo)
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	defer helper.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("helper: %v (%q)", err, line)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("helper said %q", line)
	}
	if state, _ := procState(pid); state == "" || state == "Z" {
		t.Fatalf("ffmpeg %d not running before the kill (state %q)", pid, state)
	}
	helper.Process.Kill()
	helper.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for {
		state, _ := procState(pid)
		if state == "" || state == "Z" {
			return
		}
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("ffmpeg %d outlived its parent (state %s)", pid, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
