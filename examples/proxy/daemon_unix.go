package main

import "syscall"

// daemonSysProcAttr puts the daemon copy in a session of its own (setsid,
// as nc_daemonize does).
func daemonSysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
