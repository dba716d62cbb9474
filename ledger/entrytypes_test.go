package ledger

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestEntryTypesTable: every type of the table is a valid type of a known
// family; apply refuses a type outside the table (it never ignores one
// silently); and no non-test file of this package writes a type by a string
// literal that the table lacks (emit("…"), AppendInput{Type: "…"}, or a
// case of apply's switch).
func TestEntryTypesTable(t *testing.T) {
	for typ := range entryTypes {
		if err := validType(typ); err != nil {
			t.Errorf("%s: %v", typ, err)
		}
	}
	if err := apply(nil, Entry{Seq: 7, Type: "payment_teleported"}); err == nil || !strings.Contains(err.Error(), "payment_teleported") {
		t.Errorf("apply of an unknown type: %v", err)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			var lits []ast.Expr
			switch n := n.(type) {
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "emit" && len(n.Args) > 0 {
					lits = append(lits, n.Args[0])
				}
			case *ast.KeyValueExpr:
				if id, ok := n.Key.(*ast.Ident); ok && id.Name == "Type" {
					lits = append(lits, n.Value)
				}
			}
			for _, e := range lits {
				if b, ok := e.(*ast.BasicLit); ok && b.Kind == token.STRING {
					s, _ := strconv.Unquote(b.Value)
					if !KnownEntryType(s) {
						t.Errorf("%s: writes the type %q, not in ledger/entrytypes.go", fset.Position(b.Pos()), s)
					}
				}
			}
			return true
		})
	}
}
