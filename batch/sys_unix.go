//go:build unix

package batch

import (
	"os"
	"syscall"
)

// fileID identifies a file or directory on this machine.
type fileID struct{ dev, ino uint64 }

func idOf(fi os.FileInfo) (fileID, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, false
	}
	return fileID{uint64(st.Dev), uint64(st.Ino)}, true
}

// openInput opens a file for reading without blocking on a named pipe or a
// device whose open waits (the caller rejects anything but regular files).
func openInput(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
