//go:build !linux

package main

import "syscall"

// dieWithParent: only Linux has a parent-death signal; elsewhere the
// nodes are killed by the cleanup alone.
func dieWithParent() *syscall.SysProcAttr { return nil }
