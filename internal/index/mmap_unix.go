//go:build unix

package index

import (
	"fmt"
	"os"
	"syscall"
)

// mapFile maps the file at path read-only. Pages are read when first
// touched; MADV_RANDOM keeps the kernel from reading (and mapping) the
// pages around each one, which a search does not need.
func mapFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w: not a regular file", path, ErrFileDamaged)
	}
	if fi.Size() == 0 {
		return nil, fmt.Errorf("%s: %w: empty", path, ErrFileDamaged)
	}
	if int64(int(fi.Size())) != fi.Size() {
		return nil, fmt.Errorf("%s: %w: too large to map", path, ErrFileDamaged)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	_ = syscall.Madvise(data, syscall.MADV_RANDOM)
	return data, nil
}

func unmapFile(data []byte) { _ = syscall.Munmap(data) }
