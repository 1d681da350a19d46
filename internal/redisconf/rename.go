package redisconf

import "strings"

// The server's "rename-command OLD NEW" (config.c's loadServerConfigFromString),
// for servers whose command table is a map by lowercase name: renames are
// kept as lowercase [OLD, NEW] pairs in file order ("" NEW removes the
// command) and applied to the table once the file is read.

// CheckRename is config.c's check of "rename-command from to" against the
// table as it stands after renames: from must be a command, and to free
// once from is taken out (Redis deletes the old name, then adds the new
// one, so a command may be renamed to itself). It returns Redis's error,
// or "".
func CheckRename[T any](table map[string]T, renames [][2]string, from, to string) string {
	names := make(map[string]bool, len(table))
	for name := range table {
		names[name] = true
	}
	for _, r := range renames {
		delete(names, r[0])
		if r[1] != "" {
			names[r[1]] = true
		}
	}
	from, to = strings.ToLower(from), strings.ToLower(to)
	if !names[from] {
		return "No such command in rename-command"
	}
	delete(names, from)
	if to != "" && names[to] {
		return "Target command name already exists"
	}
	return ""
}

// ApplyRenames renames the commands of table as the rename-command lines
// said.
func ApplyRenames[T any](table map[string]T, renames [][2]string) {
	for _, r := range renames {
		cmd := table[r[0]]
		delete(table, r[0])
		if r[1] != "" {
			table[r[1]] = cmd
		}
	}
}
