package api

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/pages"
)

// Downloads of the staff lists (issue 19): each list's rows as its page
// shows them to the caller (the same filters, the same masking), as an
// .xlsx with the filters in words above the table. The payments list's is
// in staff_books_page.go.

func (s *Server) staffExportRoutes(r gin.IRoutes) {
	r.GET("/staff/funds.xlsx", s.staffPage(villageReaders), s.staffFundsExport)
	r.GET("/staff/projects.xlsx", s.staffPage(villageReaders), s.staffProjectsExport)
	r.GET("/staff/flags.xlsx", s.staffPage(anyStaff), s.staffFlagsExport)
	r.GET("/staff/notices.xlsx", s.staffPage(villageReaders), s.staffNoticesExport)
	r.GET("/staff/complaints.xlsx", s.staffPage(complaintLookers), s.staffComplaintsExport)
}

// sendSheet writes a download named name-<date>.xlsx.
func (s *Server) sendSheet(c *gin.Context, sh pages.Sheet, ascii string) {
	b, err := sh.XLSX()
	if err != nil {
		s.staffFail(c, err)
		return
	}
	name := sh.Name + "-" + time.Now().In(s.ledger.Location()).Format("20060102") + ".xlsx"
	c.Header("Content-Disposition", `attachment; filename="`+ascii+`.xlsx"; filename*=UTF-8''`+url.PathEscape(name))
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b)
}

// filterWords says which rows a download holds: the filters set, as
// name, value pairs (an empty value is a filter not set), and the count.
func (s *Server) filterWords(total int, conds ...string) string {
	return s.countedFilterWords("条", total, conds...)
}

// countedFilterWords is filterWords counting in unit (笔 for payments).
func (s *Server) countedFilterWords(unit string, total int, conds ...string) string {
	var w []string
	for i := 0; i+1 < len(conds); i += 2 {
		if conds[i+1] != "" {
			w = append(w, conds[i]+"："+conds[i+1])
		}
	}
	cond := "全部"
	if len(w) > 0 {
		cond = strings.Join(w, "；")
	}
	return fmt.Sprintf("筛选条件：%s。共 %d %s，导出时间 %s。", cond, total, unit, time.Now().In(s.ledger.Location()).Format("2006-01-02 15:04"))
}

// GET /staff/funds.xlsx: the funds list.
func (s *Server) staffFundsExport(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	fs, err := s.svc.Funds(c.Request.Context(), lg)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	sh := pages.Sheet{Name: "资金", Filters: s.filterWords(len(fs)),
		Head: []string{"指标文号", "资金名称", "来源", "资金性质", "年度", "到账日期", "金额（元）", "已拨付（元）", "已支付（元）", "未拨付（元）", "结余（元）", "状态"}}
	for _, f := range fs {
		state := "正常"
		if f.Reversed {
			state = "已冲正"
		}
		sh.Rows = append(sh.Rows, []any{f.DocNo, f.Name, f.SourceLevel, f.Nature, f.Year, f.ArrivedOn.String(), f.Amount, f.Allocated, f.Paid,
			f.Unallocated, f.Unspent, state})
	}
	s.sendSheet(c, sh, "funds")
}

// GET /staff/projects.xlsx?status=: the project library (a monitor's:
// their villages' and the town's).
func (s *Server) staffProjectsExport(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	u := user(c)
	ps, err := s.svc.Projects(c.Request.Context(), lg, "", c.Query("status"))
	if err != nil {
		s.staffFail(c, err)
		return
	}
	if u.Role == ledger.RoleMonitor {
		ps = slices.DeleteFunc(ps, func(p ledger.Project) bool { return p.Village != "" && !watches(u, p.Village) })
	}
	names := s.villageNames(c, lg)
	sh := pages.Sheet{Name: "项目库", Filters: s.filterWords(len(ps), "状态", c.Query("status")),
		Head: []string{"项目编号", "项目名称", "村", "类别", "性质", "状态", "预算（元）", "开工日期", "完工日期", "实施单位", "受益人数", "其中脱贫人口"}}
	for _, p := range ps {
		sh.Rows = append(sh.Rows, []any{p.Code, p.Name, names[p.Village], p.Category, p.Nature, p.Status, p.Budget, dateText(p.StartOn), dateText(p.EndOn),
			p.Implementer, p.Beneficiaries, p.PoorBeneficiaries})
	}
	s.sendSheet(c, sh, "projects")
}

func dateText(d ledger.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// GET /staff/flags.xlsx?status=&village=&rule=&severity=: the flags the
// caller sees, as the list.
func (s *Server) staffFlagsExport(c *gin.Context) {
	u := user(c)
	lg, err := s.logOf(c, u)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	f := ledger.FlagFilter{Status: c.DefaultQuery("status", "open"), Village: c.Query("village"), Rule: c.Query("rule"), Severity: c.Query("severity")}
	fs, err := s.svc.Flags(c.Request.Context(), lg, f, &u)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	search := strings.TrimSpace(c.Query("q"))
	if search != "" {
		fs = slices.DeleteFunc(fs, func(x ledger.Flag) bool { return !flagMatches(x, search) })
	}
	names := s.villageNames(c, lg)
	sh := pages.Sheet{Name: "线索", Filters: s.filterWords(len(fs), "状态", pages.FlagStatusText(f.Status), "村", names[f.Village], "规则", f.Rule, "查找", search,
		"风险等级", map[bool]string{true: pages.SeverityText(f.Severity)}[f.Severity != ""]),
		Head: []string{"线索编号", "规则", "风险等级", "村", "对象", "理由", "状态", "发现时间", "最近处理时间"}}
	loc := s.ledger.Location()
	for _, x := range fs {
		sh.Rows = append(sh.Rows, []any{x.ID, x.Rule, pages.SeverityText(x.Severity), names[x.Village], x.Subject.Label, x.Reason,
			pages.FlagStatusText(x.Status), pages.When(x.RaisedAt, loc), pages.When(x.UpdatedAt, loc)})
	}
	s.sendSheet(c, sh, "flags")
}

// GET /staff/notices.xlsx?status=&type=&village=&q=: the notices as the
// list shows them to the caller.
func (s *Server) staffNoticesExport(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	u := user(c)
	ns, err := s.svc.Notices(c.Request.Context(), lg, c.Query("status"), "", "")
	if err != nil {
		s.staffFail(c, err)
		return
	}
	if u.Role == ledger.RoleMonitor {
		ns = slices.DeleteFunc(ns, func(n ledger.Notice) bool { return !noticeVisible(u, n) })
	}
	d := pages.NoticesData{Status: c.Query("status")}
	if err := s.noticeList(c, ns, &d, 0); err != nil { // every match, not a page of them
		s.staffFail(c, err)
		return
	}
	names := s.villageNames(c, lg)
	status := ""
	if d.Status != "" {
		status = pages.NoticeStatusText(d.Status)
	}
	sh := pages.Sheet{Name: "公告公示", Filters: s.filterWords(d.Pager.Total, "状态", status, "类型", d.Type, "村", names[d.Village], "查找", d.Search),
		Head: []string{"标题", "类型", "村", "状态", "编号", "公告编码", "发布日期", "公示截止", "行数"}}
	for _, n := range d.Notices {
		sh.Rows = append(sh.Rows, []any{n.Title, n.Type, names[n.Village], pages.NoticeStatusText(n.Status), n.Number, n.Code, n.PublishedOn, n.EndsOn, n.RowCount})
	}
	s.sendSheet(c, sh, "notices")
}

// GET /staff/complaints.xlsx?status=: the complaints as the list shows them
// to the caller (contacts only to those who may read them).
func (s *Server) staffComplaintsExport(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	u := user(c)
	status := c.Query("status")
	cs, err := s.svc.Complaints(c.Request.Context(), lg, status)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	var watched func(string) bool
	if u.Role == ledger.RoleMonitor {
		cs = slices.DeleteFunc(cs, func(cm ledger.Complaint) bool { return !watches(u, cm.Village) })
		watched = func(v string) bool { return watches(u, v) }
	}
	d := pages.ComplaintsData{Status: status}
	if err := s.complaintList(c, lg, cs, &d, watched, 0); err != nil { // every match, not a page of them
		s.staffFail(c, err)
		return
	}
	views := d.Complaints
	names := s.villageNames(c, lg)
	head := []string{"回执号", "类型", "村", "针对的公告", "状态", "提出时间", "反映内容", "答复次数"}
	withContact := slices.Contains(contactReaders, u.Role)
	if withContact {
		head = append(head, "联系方式")
	}
	sh := pages.Sheet{Name: "投诉与异议", Filters: s.filterWords(len(views), "状态", status, "村", s.villageNames(c, lg)[d.Village], "类型", d.Kind, "查找", d.Search), Head: head}
	loc := s.ledger.Location()
	for _, v := range views {
		kind := "投诉"
		if v.Kind == ledger.ComplaintObjection {
			kind = "异议"
		}
		row := []any{v.Receipt, kind, names[v.Village], v.NoticeCode, v.StatusText, pages.When(v.FiledAt, loc), v.Text, strconv.Itoa(len(v.Replies))}
		if withContact {
			row = append(row, v.Contact)
		}
		sh.Rows = append(sh.Rows, row)
	}
	s.sendSheet(c, sh, "complaints")
}
