package main

// main_stub.go is the proxy's main until the serving part is built:
// main.go replaces this file. It has nutcracker's whole command line
// (options.go), -h, -V, -D and -t, and in the serving mode it goes as far
// as nutcracker before it serves (log, -d, pid file, banner, loading the
// configuration, with the same messages), then says on stderr that serving
// is not built yet and exits 1.

import (
	"errors"
	"fmt"
	"io"
	"os"
)

func main() { os.Exit(ncMain(os.Args[1:], os.Stderr)) }

// ncMain is nc.c's main: it returns the exit status. nutcracker writes all
// of its terminal output to stderr; so does this.
func ncMain(args []string, stderr io.Writer) int {
	nci := setDefaultOptions()
	if err := getOptions(args, &nci); err != nil {
		fmt.Fprintln(stderr, err)
		showUsage(stderr)
		return 1
	}
	if nci.showVersion {
		showVersion(stderr, eventBackend())
		if nci.showHelp {
			showUsage(stderr)
		}
		if nci.describeStats {
			statsDescribe(stderr)
		}
		return 0
	}
	if nci.testConf {
		if !ncTestConf(&nci, stderr) {
			return 1
		}
		return 0
	}
	rs, err := ncPreRun(&nci, stderr)
	if errors.Is(err, errDaemonized) {
		return 0
	}
	if err == nil {
		// nc_run: core_start loads the configuration first.
		if _, err := confCreate(nci.confFilename, rs.logger(), stderr); err == nil {
			logError(rs.logger(), "proxy: serving is not built yet")
			fmt.Fprintln(stderr, "proxy: serving is not built yet")
		}
	}
	ncPostRun(rs)
	return 1
}
