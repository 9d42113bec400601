//go:build !unix

package index

import "os"

// mapFile reads the file whole where memory maps are not available.
func mapFile(path string) ([]byte, *os.File, error) {
	b, err := os.ReadFile(path)
	return b, nil, err
}

func unmapFile([]byte, *os.File) {}
