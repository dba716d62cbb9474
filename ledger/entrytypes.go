package ledger

import "slices"

// The entry types the service writes: every type any version of it has
// written, so that a log replays (Rebuild, verify --deep) whatever version
// wrote it. A type not listed here is refused by apply: a new type is
// added here, in its subject's group, before anything writes it
// (TestEntryTypesTable). Whether a type's entries are public follows its
// family (families, entry.go); who may write it, writerRoles and
// nonAccountWriters (verify_deep.go). payment_held is written by no
// current code path and stays for the logs that hold it.
const (
	// the town and its registers
	TypeTownRegistered             = "town_registered"
	TypeTownUpdated                = "town_updated"
	TypeVillageRegistered          = "village_registered"
	TypeVillageGroupsAdded         = "village_groups_added"
	TypeVillageContactsSet         = "village_contacts_set"
	TypeSourceAliasSet             = "source_alias_set"
	TypeItemDefined                = "item_defined"
	TypeItemChanged                = "item_changed"
	TypeOrganisationRegistered     = "organisation_registered"
	TypeOrganisationPeopleRecorded = "organisation_people_recorded"
	TypeHouseholdRegistered        = "household_registered"
	TypeHouseholdUpdated           = "household_updated"
	TypePersonRegistered           = "person_registered"
	TypePersonUpdated              = "person_updated"
	TypePersonBoardPrinted         = "person_board_printed"
	TypeRegisterMarked             = "register_marked"
	// money: funds, projects, allocations, payments, loans
	TypeFundRecorded            = "fund_recorded"
	TypeProjectRegistered       = "project_registered"
	TypeProjectTransitioned     = "project_transitioned"
	TypeProjectContractRecorded = "project_contract_recorded"
	TypeProjectAssetRecorded    = "project_asset_recorded"
	TypeAllocationRecorded      = "allocation_recorded"
	TypePaymentRecorded         = "payment_recorded"
	TypePaymentApproved         = "payment_approved"
	TypePaymentRejected         = "payment_rejected"
	TypePaymentEffective        = "payment_effective"
	TypePaymentHeld             = "payment_held"
	TypeReversalRecorded        = "reversal_recorded"
	TypeLoanGranted             = "loan_granted"
	TypeRepaymentRecorded       = "repayment_recorded"
	TypeBankReturnRecorded      = "bank_return_recorded"
	TypeImportBatchCommitted    = "import_batch_committed"
	// disclosure: notices
	TypeNoticeDrafted   = "notice_drafted"
	TypeNoticePublished = "notice_published"
	TypeNoticeWithdrawn = "notice_withdrawn"
	TypeNoticeEnded     = "notice_ended"
	// oversight: flags and complaints
	TypeFlagRaised         = "flag_raised"
	TypeFlagUpdated        = "flag_updated"
	TypeFlagReviewed       = "flag_reviewed"
	TypeComplaintFiled     = "complaint_filed"
	TypeComplaintReplied   = "complaint_replied"
	TypeComplaintResolved  = "complaint_resolved"
	TypeComplaintEscalated = "complaint_escalated"
	// accounts
	TypeUserCreated         = "user_created"
	TypeUserUpdated         = "user_updated"
	TypeUserPasswordChanged = "user_password_changed"
	TypeUserPasswordReset   = "user_password_reset"
	TypeUserUnlocked        = "user_unlocked"
)

// entryTypes is the table of the types above.
var entryTypes = setOf(
	TypeTownRegistered, TypeTownUpdated, TypeVillageRegistered, TypeVillageGroupsAdded, TypeVillageContactsSet, TypeSourceAliasSet, TypeItemDefined, TypeItemChanged, TypeOrganisationRegistered, TypeOrganisationPeopleRecorded, TypeHouseholdRegistered, TypeHouseholdUpdated, TypePersonRegistered, TypePersonUpdated, TypePersonBoardPrinted, TypeRegisterMarked,
	TypeFundRecorded, TypeProjectRegistered, TypeProjectTransitioned, TypeProjectContractRecorded, TypeProjectAssetRecorded, TypeAllocationRecorded, TypePaymentRecorded, TypePaymentApproved, TypePaymentRejected, TypePaymentEffective, TypePaymentHeld, TypeReversalRecorded, TypeLoanGranted, TypeRepaymentRecorded, TypeBankReturnRecorded, TypeImportBatchCommitted,
	TypeNoticeDrafted, TypeNoticePublished, TypeNoticeWithdrawn, TypeNoticeEnded,
	TypeFlagRaised, TypeFlagUpdated, TypeFlagReviewed, TypeComplaintFiled, TypeComplaintReplied, TypeComplaintResolved, TypeComplaintEscalated,
	TypeUserCreated, TypeUserUpdated, TypeUserPasswordChanged, TypeUserPasswordReset, TypeUserUnlocked,
)

// KnownEntryType reports whether the service writes entries of type t.
func KnownEntryType(t string) bool { return entryTypes[t] }

// EntryTypes returns every type of the table, sorted (for the pages'
// labels and their tests).
func EntryTypes() []string {
	out := make([]string, 0, len(entryTypes))
	for t := range entryTypes {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}
