package gen

import (
	"bytes"
	"encoding/json"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// What a load leaves out, and why: files of services that build
// constraints exclude here, services in _test.go files, and the modules to
// name at the root of a go.work workspace.

// servicesElsewhere returns the source files the load left out, built only
// for another platform or other tags, that mark a service.
func servicesElsewhere(pkgs []*loadedPkg) []string {
	var out []string
	for _, pkg := range pkgs {
		for _, name := range pkg.IgnoredFiles {
			if _, generated := sourcePath(name); generated || !strings.HasSuffix(name, ".go") {
				continue
			}
			if src, err := os.ReadFile(name); err == nil && serviceLine(src) > 0 {
				out = append(out, name)
			}
		}
	}
	return out
}

// servicesInTests returns where the _test.go files of pkgs mark services:
// the load reads no test file, so they are never generated.
func servicesInTests(pkgs []*loadedPkg) []token.Position {
	var out []token.Position
	for _, pkg := range pkgs {
		if pkg.Dir == "" {
			continue
		}
		names, _ := filepath.Glob(filepath.Join(pkg.Dir, "*_test.go"))
		for _, name := range names {
			if src, err := os.ReadFile(name); err == nil {
				if line := serviceLine(src); line > 0 {
					out = append(out, token.Position{Filename: name, Line: line, Column: 1})
				}
			}
		}
	}
	return out
}

// serviceLine returns the number of the first line of src that is a
// //stdrpc:service directive, or 0.
func serviceLine(src []byte) int {
	mark := []byte("//" + directivePrefix + ":" + dirService)
	if !bytes.Contains(src, mark) {
		return 0
	}
	n := 0
	for line := range bytes.Lines(src) {
		n++
		rest, ok := bytes.CutPrefix(bytes.TrimLeft(line, " \t"), mark)
		if ok && (len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\r' || rest[0] == '\n') {
			return n
		}
	}
	return 0
}

func describePackages(paths []string) string {
	if len(paths) == 1 {
		return "package " + paths[0]
	}
	return "packages " + strings.Join(paths, ", ")
}

// workspaceHint adds the fix to the go command's complaint about a pattern
// at the root of a go.work workspace, which lies in no module: the
// patterns of the modules beneath it.
func (b *builder) workspaceHint() {
	for i, d := range b.d.list {
		if !strings.Contains(d.Message, "does not contain modules listed in go.work") {
			continue
		}
		var patterns []string
		for _, m := range workModules(b.dir) {
			if rel := relPath(b.dir, m); rel != m {
				patterns = append(patterns, "./"+filepath.ToSlash(rel)+"/...")
			}
		}
		hint := "run stdrpc in a module's directory, or name the modules' packages"
		if len(patterns) > 0 {
			hint = "at the root of a workspace, name the modules' packages, as in stdrpc " + strings.Join(patterns, " ")
		}
		b.d.list[i].Message += ": " + hint
	}
}

// workModules returns the directories of the modules the go.work of dir
// uses.
func workModules(dir string) []string {
	cmd := exec.Command("go", "work", "edit", "-json")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return nil
	}
	var work struct {
		Use []struct{ DiskPath string }
	}
	if json.Unmarshal(out, &work) != nil {
		return nil
	}
	gowork, err := exec.Command("go", "env", "-C", dir, "GOWORK").Output()
	if err != nil {
		return nil
	}
	root := filepath.Dir(strings.TrimSpace(string(gowork)))
	var dirs []string
	for _, u := range work.Use {
		p := filepath.FromSlash(u.DiskPath)
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		dirs = append(dirs, filepath.Clean(p))
	}
	return dirs
}
