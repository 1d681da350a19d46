package testenv

import (
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"

	"github.com/goae/goae/internal/rlimit"
)

// RaiseNofile makes sure at least need fds may be open, raising the soft
// RLIMIT_NOFILE up to the hard one, and the hard one to need when it is
// lower and the process may (CAP_SYS_RESOURCE); both are restored when the
// test ends. It skips the test when the limit cannot be raised.
func RaiseNofile(t testing.TB, need uint64) {
	t.Helper()
	cur, hard, err := rlimit.NoFile()
	if err != nil {
		t.Skipf("getrlimit: %v", err)
	}
	if cur >= need {
		return
	}
	if err := rlimit.SetNoFile(max(hard, need), max(hard, need)); err != nil {
		t.Skipf("needs %d fds; RLIMIT_NOFILE is %d (hard %d) and cannot be raised: %v (raise it with ulimit -Hn %d)",
			need, cur, hard, err, need)
	}
	t.Cleanup(func() { rlimit.SetNoFile(cur, hard) })
}

// LeaveFreeFds leaves exactly free more fds for this process to open: it
// lowers the soft RLIMIT_NOFILE just above the highest open fd and fills
// every slot under it with /dev/null, then closes free of them. restore
// closes the fillers and puts the limit back; it runs at most once, and at
// the end of the test if not called before. Tests use it to reach EMFILE
// deterministically.
func LeaveFreeFds(t testing.TB, free int) (restore func()) {
	t.Helper()
	cur, hard, err := rlimit.NoFile()
	if err != nil {
		t.Skipf("getrlimit: %v", err)
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot list fds: %v", err)
	}
	highest := 0
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > highest {
			highest = fd
		}
	}
	low := uint64(highest + 1 + 16)
	if low > cur {
		t.Skipf("soft RLIMIT_NOFILE %d too low for this test", cur)
	}
	var fillers []int
	restore = sync.OnceFunc(func() {
		for _, fd := range fillers {
			syscall.Close(fd)
		}
		if err := rlimit.SetNoFile(cur, hard); err != nil {
			t.Errorf("restoring RLIMIT_NOFILE: %v", err)
		}
	})
	t.Cleanup(restore)
	if err := rlimit.SetNoFile(low, hard); err != nil {
		t.Skipf("cannot lower RLIMIT_NOFILE: %v", err)
	}
	for {
		fd, err := syscall.Open("/dev/null", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			if err != syscall.EMFILE {
				restore()
				t.Fatalf("open /dev/null: %v", err)
			}
			break
		}
		fillers = append(fillers, fd)
	}
	if len(fillers) < free {
		restore()
		t.Fatalf("only %d fds could be opened under the lowered limit, %d wanted free", len(fillers), free)
	}
	for _, fd := range fillers[len(fillers)-free:] {
		syscall.Close(fd)
	}
	fillers = fillers[:len(fillers)-free]
	return restore
}
