//go:build !unix

package batch

import "os"

// fileID identifies a file or directory on this machine. Without inode
// numbers it is unavailable, and symlink loops are caught by depth only.
type fileID struct{ dev, ino uint64 }

func idOf(os.FileInfo) (fileID, bool) { return fileID{}, false }
