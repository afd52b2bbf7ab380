package gen

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// emitEnvelopes prints the request and response envelopes of a service,
// their fields aligned as gofmt aligns them.
func emitEnvelopes(p *printer, s *service) {
	for _, m := range s.Methods {
		for i, sh := range []shape{m.Request, m.Response} {
			if sh.Kind != envelope {
				continue
			}
			what := "parameters"
			if i == 1 {
				what = "results"
			}
			p.line("// %s is the wire shape of the %s of %s.%s.", sh.Type, what, s.Name, m.Name)
			p.line("type %s struct {", sh.Type)
			names, types := 0, 0
			for _, f := range sh.Fields {
				names = max(names, utf8.RuneCountInString(f.Field))
				types = max(types, utf8.RuneCountInString(f.Type))
			}
			for _, f := range sh.Fields {
				p.line("\t%s %s %s", pad(f.Field, names), pad(f.Type, types), "`json:"+strconv.Quote(f.Name)+"`")
			}
			p.line("}")
			p.line("")
		}
	}
}

// pad returns s followed by spaces to width runes.
func pad(s string, width int) string {
	return s + strings.Repeat(" ", width-utf8.RuneCountInString(s))
}
