//go:build !unix

package index

import "os"

// mapFile reads the file whole where memory maps are not available.
func mapFile(path string) ([]byte, error) { return os.ReadFile(path) }

func unmapFile([]byte) {}
