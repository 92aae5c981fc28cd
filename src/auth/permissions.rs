//! The one permission table: which role may take which action.
//!
//! REST handlers and the voice engine ask the same question, [`Role::may`], about the same
//! [`Action`]s, so a spoken "bill cancel karo" is refused to exactly the users
//! `POST /invoices/{id}/cancel` refuses. The engine maps each intent to an action
//! (`engine::permissions`); `docs/security.md` prints this table, and a test keeps the
//! two equal.

use super::Role;

/// Something a user may or may not be allowed to do, whichever channel asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read the business's records: customers, invoices, balances, stock, jobs, users.
    ReadRecords,
    /// Create and change records: customers, invoices, payments, credit, stock,
    /// reminders. Cancelling and deleting are separate actions.
    WriteRecords,
    /// Ask for a customer's erasure; the owner's emailed code confirms it.
    RequestErasure,
    /// Erase a customer directly, without the owner's code.
    EraseCustomer,
    /// Cancel an issued invoice (its ledger entry is reversed).
    CancelInvoice,
    /// Remove a product.
    DeleteProduct,
    /// Retry or cancel jobs, run probes, see queue figures, watch every job's events.
    OperateJobs,
    /// Invite and remove users.
    ManageUsers,
    /// Business settings that carry secrets (the Razorpay webhook key).
    ConfigureBusiness,
    /// Pause and resume a workflow's queue (its workers are shared by every business).
    PauseQueues,
}

const ALL: &[Role] = &[Role::Owner, Role::Manager, Role::Staff];
const OWNER_MANAGER: &[Role] = &[Role::Owner, Role::Manager];
const OWNER: &[Role] = &[Role::Owner];

/// The table itself, in the order `docs/security.md` lists it.
pub const TABLE: &[(Action, &[Role])] = &[
    (Action::ReadRecords, ALL),
    (Action::WriteRecords, ALL),
    (Action::RequestErasure, ALL),
    (Action::EraseCustomer, OWNER_MANAGER),
    (Action::CancelInvoice, OWNER_MANAGER),
    (Action::DeleteProduct, OWNER_MANAGER),
    (Action::OperateJobs, OWNER_MANAGER),
    (Action::ManageUsers, OWNER),
    (Action::ConfigureBusiness, OWNER),
    (Action::PauseQueues, OWNER),
];

impl Action {
    /// The name `docs/security.md` uses for the action.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadRecords => "read_records",
            Self::WriteRecords => "write_records",
            Self::RequestErasure => "request_erasure",
            Self::EraseCustomer => "erase_customer",
            Self::CancelInvoice => "cancel_invoice",
            Self::DeleteProduct => "delete_product",
            Self::OperateJobs => "operate_jobs",
            Self::ManageUsers => "manage_users",
            Self::ConfigureBusiness => "configure_business",
            Self::PauseQueues => "pause_queues",
        }
    }
}

impl Role {
    /// Whether this role may take `action`. An action missing from the table is refused.
    pub fn may(self, action: Action) -> bool {
        TABLE
            .iter()
            .find(|(a, _)| *a == action)
            .is_some_and(|(_, roles)| roles.contains(&self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_may_write_but_not_cancel_delete_or_administer() {
        assert!(Role::Staff.may(Action::WriteRecords));
        assert!(Role::Staff.may(Action::RequestErasure));
        for action in [
            Action::CancelInvoice,
            Action::EraseCustomer,
            Action::DeleteProduct,
            Action::OperateJobs,
            Action::ManageUsers,
            Action::ConfigureBusiness,
        ] {
            assert!(!Role::Staff.may(action), "{action:?}");
        }
        assert!(Role::Manager.may(Action::CancelInvoice));
        assert!(!Role::Manager.may(Action::ManageUsers));
        assert!(Role::Owner.may(Action::ConfigureBusiness));
    }

    /// The security document's table is this table: one row per action, a check mark
    /// for each role allowed.
    #[test]
    fn the_security_document_prints_this_table() {
        let doc = include_str!("../../docs/security.md");
        for (action, roles) in TABLE {
            let marks: Vec<&str> = [Role::Owner, Role::Manager, Role::Staff]
                .iter()
                .map(|r| if roles.contains(r) { "✓" } else { "" })
                .collect();
            let row = format!(
                "| `{}` | {} | {} | {} |",
                action.as_str(),
                marks[0],
                marks[1],
                marks[2]
            );
            // Further columns (where the action is checked) may follow the marks.
            let row = squash(&row);
            let found = doc.lines().any(|l| squash(l).starts_with(&row));
            assert!(found, "docs/security.md lacks the row {row}");
        }
    }

    fn squash(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }
}
