package pages

// HomeData is a role's home (/staff/): what waits for the user, each a
// count with the link to the list that holds it, and for some roles the
// first items themselves.
type HomeData struct {
	Role  string
	Todos []Todo
	// Queue is the approver's payments to approve, oldest first.
	Queue []QueueItem
	// Deadlines are complaints by their deadline (discipline, monitors).
	Deadlines []DeadlineItem
	// Facts are states rather than work (the auditor's last verification).
	Facts []Fact
}

// Todo is one kind of waiting work: Count of them at Href.
type Todo struct {
	Label  string
	Count  int
	Href   string
	Urgent bool   // shown in red: overdue or failing
	Note   string // what to do, in a few words
}

// QueueItem is a payment waiting for its approver.
type QueueItem struct {
	PaymentView
	FundDoc string
	Waited  int // whole days since it was recorded
}

// DeadlineItem is a complaint with the days left to its deadline.
type DeadlineItem struct {
	ID       int64
	Receipt  string
	Village  string
	Kind     string
	DaysLeft int // negative: overdue
}

// Fact is a labelled state, Bad when it needs attention.
type Fact struct {
	Label, Value, Href string
	Bad                bool
}
