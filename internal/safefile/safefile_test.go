//go:build unix

package safefile

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestOpenRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	link := filepath.Join(dir, "link.mp4")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	for path, kind := range map[string]string{fifo: "named pipe", link: "named pipe", "/dev/zero": "device", dir: "directory"} {
		f, _, err := Open(path) // would block forever in open(2) on the pipe
		if f != nil {
			f.Close()
		}
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), kind) {
			t.Errorf("Open(%s) = %v, want ErrNotRegular naming %q", path, err, kind)
		}
	}
	if _, _, err := Open(filepath.Join(dir, "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestOpenReadsARegularFileNormally(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	want := bytes.Repeat([]byte("provcheck"), 300_000) // more than one copy chunk
	if err := os.WriteFile(p, want, 0o600); err != nil {
		t.Fatal(err)
	}
	f, fi, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if fi.Size() != int64(len(want)) {
		t.Errorf("size %d", fi.Size())
	}
	var got bytes.Buffer
	if _, err := Copy(context.Background(), &got, f); err != nil || !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("Copy: %v, %d bytes", err, got.Len())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	if n, err := Copy(ctx, &got, f); !errors.Is(err, context.Canceled) || n != 0 {
		t.Errorf("Copy after cancel = %d, %v", n, err)
	}
}
