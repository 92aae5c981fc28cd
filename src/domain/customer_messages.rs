//! What a customer reads with an invoice or in a reminder email's subject, in the
//! language they prefer (`customers.preferred_language`: `hinglish`, `english` or
//! `hindi`), and which translation of an approved WhatsApp template they are sent.
//!
//! Amounts come in already formatted ("₹1,232.00"); names stay as the shop typed them.
//! Anything other than `english` or `hindi` is Hinglish, the default a customer starts with.

/// The words sent with an invoice: the WhatsApp document's caption, and the email's
/// subject and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceMessage {
    pub caption: String,
    pub subject: String,
    pub body: String,
}

/// What an invoice message says.
pub struct InvoiceFacts<'a> {
    pub buyer: &'a str,
    pub seller: &'a str,
    pub number: &'a str,
    /// The total, formatted.
    pub total: &'a str,
}

/// The invoice message in the customer's language.
pub fn invoice_message(language: &str, f: &InvoiceFacts<'_>) -> InvoiceMessage {
    let InvoiceFacts {
        buyer,
        seller,
        number,
        total,
    } = *f;
    match language {
        "english" => InvoiceMessage {
            caption: format!("{seller} - invoice {number} - {total}"),
            subject: format!("Invoice {number} from {seller}"),
            body: format!(
                "Hello {buyer},\n\nPlease find attached invoice {number} from {seller} for {total}.\n\nThank you!\n"
            ),
        },
        "hindi" => InvoiceMessage {
            caption: format!("{seller} - बिल {number} - {total}"),
            subject: format!("{seller} का बिल {number}"),
            body: format!(
                "नमस्ते {buyer} जी,\n\n{seller} का बिल {number}, कुल {total}, साथ में भेजा है।\n\nधन्यवाद!\n"
            ),
        },
        _ => InvoiceMessage {
            caption: format!("{seller} - bill {number} - {total}"),
            subject: format!("{seller} ka bill {number}"),
            body: format!(
                "Namaste {buyer} ji,\n\n{seller} ka bill {number}, total {total}, saath mein bheja hai.\n\nDhanyavaad!\n"
            ),
        },
    }
}

/// The subject of a reminder sent by email (its text is the reminder workflow's).
pub fn reminder_subject(language: &str, shop: &str) -> String {
    match language {
        "english" => format!("Payment reminder from {shop}"),
        "hindi" => format!("{shop} की ओर से भुगतान का रिमाइंडर"),
        _ => format!("Payment reminder - {shop}"),
    }
}

/// The template language code for each customer language (Meta's codes, as the
/// template's translations were registered: `en`, `en_US`, `hi`…). Meta has no code for
/// Hinglish, so its Roman-script translation is registered under one of the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateLanguages {
    pub hinglish: String,
    pub english: String,
    pub hindi: String,
}

impl TemplateLanguages {
    /// The code to send a template in for a customer's `preferred_language`.
    pub fn code_for(&self, language: &str) -> &str {
        match language {
            "english" => &self.english,
            "hindi" => &self.hindi,
            _ => &self.hinglish,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FACTS: InvoiceFacts<'static> = InvoiceFacts {
        buyer: "Lakshmi",
        seller: "Sharma Kirana",
        number: "INV/1",
        total: "₹1,232.00",
    };

    #[test]
    fn invoice_messages_are_in_the_customers_language() {
        let hindi = invoice_message("hindi", &FACTS);
        assert_eq!(hindi.caption, "Sharma Kirana - बिल INV/1 - ₹1,232.00");
        assert!(hindi.body.starts_with("नमस्ते Lakshmi जी"), "{}", hindi.body);
        let english = invoice_message("english", &FACTS);
        assert_eq!(english.subject, "Invoice INV/1 from Sharma Kirana");
        assert!(
            english.body.starts_with("Hello Lakshmi,"),
            "{}",
            english.body
        );
        let hinglish = invoice_message("hinglish", &FACTS);
        assert_eq!(hinglish.subject, "Sharma Kirana ka bill INV/1");
        assert!(
            hinglish.body.contains("saath mein bheja hai"),
            "{}",
            hinglish.body
        );
        // An unexpected value is the default language, never an empty message.
        assert_eq!(invoice_message("marathi", &FACTS), hinglish);
    }

    #[test]
    fn reminder_subjects_are_in_the_customers_language() {
        assert_eq!(
            reminder_subject("english", "Sharma Kirana"),
            "Payment reminder from Sharma Kirana"
        );
        assert_eq!(
            reminder_subject("hindi", "Sharma Kirana"),
            "Sharma Kirana की ओर से भुगतान का रिमाइंडर"
        );
        assert_eq!(
            reminder_subject("hinglish", "Sharma Kirana"),
            "Payment reminder - Sharma Kirana"
        );
    }

    #[test]
    fn template_codes_follow_the_customers_language() {
        let codes = TemplateLanguages {
            hinglish: "en".into(),
            english: "en_US".into(),
            hindi: "hi".into(),
        };
        assert_eq!(codes.code_for("hindi"), "hi");
        assert_eq!(codes.code_for("english"), "en_US");
        assert_eq!(codes.code_for("hinglish"), "en");
        assert_eq!(codes.code_for(""), "en");
    }
}
