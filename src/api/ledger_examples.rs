//! Examples of the ledger API's payloads for the OpenAPI document (and so for the
//! generated clients' docs).

use super::*;

impl poem_openapi::types::Example for PaymentPart {
    fn example() -> Self {
        Self {
            method: PaymentMethod::Upi,
            amount_paise: 20000,
        }
    }
}

impl poem_openapi::types::Example for PaymentInput {
    fn example() -> Self {
        Self {
            customer_id: super::super::example_id(2),
            parts: vec![
                PaymentPart {
                    method: PaymentMethod::Cash,
                    amount_paise: 10000,
                },
                <PaymentPart as poem_openapi::types::Example>::example(),
            ],
            reference: Some("UPI-412345678901".into()),
            note: None,
        }
    }
}

impl poem_openapi::types::Example for CreditInput {
    fn example() -> Self {
        Self {
            customer_id: super::super::example_id(2),
            amount_paise: 25000,
            note: Some("udhaar till Friday".into()),
        }
    }
}

impl poem_openapi::types::Example for Balance {
    fn example() -> Self {
        Self {
            customer_id: super::super::example_id(2),
            balance_paise: 14100,
        }
    }
}

impl poem_openapi::types::Example for OutstandingSummary {
    fn example() -> Self {
        Self {
            total_paise: 14100,
            customers: vec![Outstanding {
                customer_id: super::super::example_customer_id(),
                name: "Ramesh Kumar".into(),
                balance_paise: 14100,
            }],
        }
    }
}

impl poem_openapi::types::Example for StatementLineView {
    fn example() -> Self {
        Self {
            entry: EntryView {
                id: super::super::example_id(8),
                customer_id: super::super::example_customer_id(),
                kind: "payment".into(),
                amount_paise: -20000,
                method: Some("upi".into()),
                invoice_id: None,
                reference: Some("UPI-412345678901".into()),
                note: None,
                created_at: super::super::example_time(),
            },
            balance_paise: 14100,
        }
    }
}
