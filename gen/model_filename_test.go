package gen

import (
	"path/filepath"
	"testing"
)

func TestOutputNames(t *testing.T) {
	for _, tc := range []struct{ source, output string }{
		{"calc.go", "calc_stdrpc.go"},
		{"calc_linux.go", "calc_stdrpc_linux.go"},
		{"calc_arm64.go", "calc_stdrpc_arm64.go"},
		{"calc_windows_amd64.go", "calc_stdrpc_windows_amd64.go"},
		{"calc_linux_windows.go", "calc_linux_stdrpc_windows.go"}, // an OS, then an OS: only the last counts
		{"calc_amd64_linux.go", "calc_amd64_stdrpc_linux.go"},     // an architecture, then an OS
		{"calc_v2_amd64.go", "calc_v2_stdrpc_amd64.go"},
		{"calc_unix.go", "calc_unix_stdrpc.go"}, // unix is a build tag, never a file name constraint
		{"linux.go", "linux_stdrpc.go"},         // a bare OS name constrains nothing
		{"my_service.go", "my_service_stdrpc.go"},
	} {
		source := filepath.Join("dir", tc.source)
		if got := outputPath(source); got != filepath.Join("dir", tc.output) {
			t.Errorf("outputPath(%q) = %q, want %q", tc.source, got, tc.output)
		}
		if got, ok := sourcePath(filepath.Join("dir", tc.output)); !ok || got != source {
			t.Errorf("sourcePath(%q) = %q, %v, want %q", tc.output, got, ok, source)
		}
	}
	for _, name := range []string{"calc.go", "calc_linux.go", "stdrpc.go", "_stdrpc.go"} {
		if src, ok := sourcePath(filepath.Join("dir", name)); ok {
			t.Errorf("sourcePath(%q) = %q: not a generated file's name", name, src)
		}
	}
}
