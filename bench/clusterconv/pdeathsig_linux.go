package main

import "syscall"

// dieWithParent asks Linux to SIGKILL the child when this process dies.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
