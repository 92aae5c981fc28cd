//! Which action of the permission table an intent takes.
//!
//! The table itself is `auth::permissions`, the one REST handlers use; here each intent
//! is mapped to the action its REST twin checks, without a wildcard arm, so a new intent
//! cannot be added without saying what it needs.

use super::{
    conversation::Conversation,
    intent::{IntentKind, ParsedIntent},
};
use crate::auth::permissions::Action;

/// The action `parsed` would take in this conversation; `None` for intents that touch
/// no records (switching language, not understood).
pub fn required(parsed: &ParsedIntent, conv: &Conversation) -> Option<Action> {
    use IntentKind as K;
    Some(match parsed.intent {
        // "bill cancel karo" with a draft open and no customer named drops the draft,
        // which is only words so far; naming a customer cancels an issued invoice.
        K::CancelInvoice if parsed.entities.customer.is_none() && conv.draft.is_some() => {
            Action::WriteRecords
        }
        K::CancelInvoice => Action::CancelInvoice,
        // Spoken erasure is the erasure request: the owner's emailed code confirms it,
        // as with `POST /customers/{id}/erasure-requests`.
        K::DeleteCustomerData => Action::RequestErasure,
        K::CreateInvoice
        | K::AddItems
        | K::ToggleGst
        | K::AddDiscount
        | K::ConfirmInvoice
        | K::SendInvoice
        | K::RecordPayment
        | K::AddCredit
        | K::CreateCustomer
        | K::UpdateCustomer
        // A customer's language is one of their details, as `PUT /customers/{id}` sets it.
        | K::SetCustomerLanguage
        | K::CreateReminder
        | K::CancelReminder
        | K::UpdateStock => Action::WriteRecords,
        K::ShowPendingInvoice
        | K::CheckBalance
        | K::CustomerInfo
        | K::ListBalances
        | K::TotalPending
        | K::ListReminders
        | K::CheckStock
        | K::DailySummary => Action::ReadRecords,
        K::SwitchLanguage | K::Unknown => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    #[test]
    fn staff_may_not_cancel_an_issued_invoice_by_voice_but_may_drop_a_draft() {
        let mut parsed = ParsedIntent::unknown("Dinesh ka bill cancel karo".into());
        parsed.intent = IntentKind::CancelInvoice;
        parsed.entities.customer = Some("Dinesh".into());
        let conv = Conversation::default();
        let action = required(&parsed, &conv).unwrap();
        assert_eq!(action, Action::CancelInvoice);
        assert!(!Role::Staff.may(action));
        assert!(Role::Manager.may(action));
    }

    #[test]
    fn setting_a_customers_language_writes_records() {
        let mut parsed = ParsedIntent::unknown("Ramesh ko Hindi mein message bhejna".into());
        parsed.intent = IntentKind::SetCustomerLanguage;
        let action = required(&parsed, &Conversation::default());
        assert_eq!(action, Some(Action::WriteRecords));
    }

    #[test]
    fn every_intent_has_an_answer() {
        let conv = Conversation::default();
        for kind in IntentKind::ALL {
            let mut parsed = ParsedIntent::unknown(String::new());
            parsed.intent = kind;
            let action = required(&parsed, &conv);
            assert_eq!(
                action.is_none(),
                matches!(kind, IntentKind::SwitchLanguage | IntentKind::Unknown),
                "{kind:?}"
            );
        }
    }
}
