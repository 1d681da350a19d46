package redisconf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestCommandLine: the arguments Redis's main() turns into config lines,
// each expected text worked out from main()'s loop (values quoted with
// sdscatrepr, --save with no value is save "", --sentinel takes none).
func TestCommandLine(t *testing.T) {
	for _, c := range []struct {
		args          []string
		file, options string
	}{
		{nil, "", ""},
		{[]string{"redis.conf"}, "redis.conf", ""},
		{[]string{"redis.conf", "--port", "7777"}, "redis.conf", `port "7777" `},
		{[]string{"--port", "7777", "--loglevel", "verbose"}, "", "port \"7777\" \nloglevel \"verbose\" "},
		{[]string{"--port 7777"}, "", "port 7777 "},
		{[]string{"--save", "--port", "1"}, "", "save \"\"\nport \"1\" "},
		{[]string{"--port", "1", "--save"}, "", "port \"1\" \nsave \"\""},
		{[]string{"--sentinel", "--port", "1"}, "", "sentinel \nport \"1\" "},
		{[]string{"--save", "900 1", "300 10"}, "", `save "900 1" "300 10" `},
		{[]string{"--requirepass", "a\"b\n"}, "", `requirepass "a\"b\n" `},
		{[]string{"--port", "--5"}, "", `port "--5" `}, // the value of a bare name, even when it looks like one
	} {
		file, options := CommandLine(c.args)
		if file != c.file || options != c.options {
			t.Errorf("CommandLine(%q) = %q, %q; want %q, %q", c.args, file, options, c.file, c.options)
		}
	}
}

// known is a server that knows "port", "save" and "sentinel <word>", with
// "slaveof" an alias of "replicaof".
func known(argv []string) (string, bool) {
	switch strings.ToLower(argv[0]) {
	case "port", "save", "replicaof":
		return argv[0], true
	case "slaveof":
		return "replicaof", true
	case "sentinel":
		if len(argv) > 1 {
			return "sentinel " + argv[1], true
		}
		return "sentinel", true
	}
	return "", false
}

func writeFile(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "redis.conf")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRewriteKeepsPlaces: an old file with comments, an unknown directive,
// an unparsable line, an alias, two save lines and a sentinel line is
// rewritten with one save, a new port, a forced new option and one at its
// default; what config.c's engine would write is spelled out.
func TestRewriteKeepsPlaces(t *testing.T) {
	p := writeFile(t, "# my conf\n\nPORT 6379\nbogus 1\nsave 900 1\n\n\nsave 300 10\nslaveof 1.2.3.4 5\nrequirepass \"unterminated\nsentinel myid abc\n  # indented comment\r\n")
	r, err := ReadOldFile(p, known)
	if err != nil {
		t.Fatal(err)
	}
	r.RewriteLine("port", "port 7000", false)
	r.RewriteLine("save", "save 60 1", true)
	r.RewriteLine("replicaof", "replicaof 5.6.7.8 9", true)
	if !r.RewriteLine("maxmemory", "maxmemory 100mb", true) {
		t.Error("a forced new option was not written")
	}
	if r.RewriteLine("appendonly", "appendonly no", false) {
		t.Error("an option at its default with no old line was written")
	}
	r.MarkAsProcessed("sentinel known-replica") // no lines: nothing changes
	r.RemoveOrphaned()
	want := "# my conf\n\nport 7000\n# ??? bogus 1\nsave 60 1\n\nreplicaof 5.6.7.8 9\n# ??? requirepass \"unterminated\nsentinel myid abc\n# indented comment\n\n" + Signature + "\nmaxmemory 100mb\n"
	if got := r.Content(); got != want {
		t.Errorf("content:\n%s\nwant:\n%s", got, want)
	}
}

// TestRewriteSignatureOnce: a file that already has the signature gets no
// second one; a missing file is an empty one, and ForceWrite appends an
// option at its default.
func TestRewriteSignatureOnce(t *testing.T) {
	p := writeFile(t, "port 1\n"+Signature+"\nsave 1 1\n")
	r, err := ReadOldFile(p, known)
	if err != nil {
		t.Fatal(err)
	}
	r.RewriteLine("port", "port 1", false)
	r.RewriteLine("maxmemory", "maxmemory 1mb", true)
	r.RemoveOrphaned() // save was not processed: its line stays
	// The file's last "\n" ends an empty last line, kept as Redis keeps it.
	if got, want := r.Content(), "port 1\n"+Signature+"\nsave 1 1\n\nmaxmemory 1mb\n"; got != want {
		t.Errorf("content %q, want %q", got, want)
	}

	r, err = ReadOldFile(filepath.Join(t.TempDir(), "missing.conf"), known)
	if err != nil {
		t.Fatal(err)
	}
	r.ForceWrite = true
	r.RewriteLine("port", "port 6379", false)
	if got, want := r.Content(), Signature+"\nport 6379\n"; got != want {
		t.Errorf("new file %q, want %q", got, want)
	}
}

// TestOverwriteFile: the file is replaced whole with mode 0644 less the
// umask, and no temporary file stays beside it, also when the rename
// fails (the target is a directory).
func TestOverwriteFile(t *testing.T) {
	old := unix.Umask(0o027)
	defer unix.Umask(old)
	p := writeFile(t, "old old old old\n")
	if err := OverwriteFile(p, "new\n"); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(p)
	fi, _ := os.Stat(p)
	if string(data) != "new\n" || fi.Mode().Perm() != 0o640 {
		t.Errorf("file %q mode %o, want \"new\\n\" 640", data, fi.Mode().Perm())
	}
	dir := filepath.Dir(p)
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := OverwriteFile(sub, "x\n"); err == nil {
		t.Error("renaming over a non-empty directory succeeded")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %q, want redis.conf and sub only", names)
	}
}
