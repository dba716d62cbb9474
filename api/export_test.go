package api

// SetMaxExportRows lowers the bound of a payments download, for a test of
// the refusal without 100,000 payments.
func SetMaxExportRows(s *Server, n int) { s.cfg.MaxExportRows = n }
