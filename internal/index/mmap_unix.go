//go:build unix

package index

import (
	"fmt"
	"os"
	"syscall"
)

// mapFile maps the file at path read-only and returns it open too (the
// MIH table ids are read from it: see MIH.readIDs). Pages are read when
// first touched; MADV_RANDOM keeps the kernel from reading ahead around
// each one, which a search does not need.
func mapFile(path string) ([]byte, *os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) ([]byte, *os.File, error) {
		f.Close()
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	if !fi.Mode().IsRegular() {
		return fail(fmt.Errorf("%s: %w: not a regular file", path, ErrFileDamaged))
	}
	if fi.Size() == 0 {
		return fail(fmt.Errorf("%s: %w: empty", path, ErrFileDamaged))
	}
	if int64(int(fi.Size())) != fi.Size() {
		return fail(fmt.Errorf("%s: %w: too large to map", path, ErrFileDamaged))
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return fail(err)
	}
	_ = syscall.Madvise(data, syscall.MADV_RANDOM)
	return data, f, nil
}

func unmapFile(data []byte, f *os.File) {
	_ = syscall.Munmap(data)
	if f != nil {
		f.Close()
	}
}
