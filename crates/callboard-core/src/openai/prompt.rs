//! The system prompt, rendered from a fixed template and the profile's organisation config. A pure
//! function: the same profile always gives the same text, so its SHA-256 names a prompt version
//! (`prompt_versions`), and every call records the version it ran with.

use sha2::{Digest, Sha256};

use super::profile::{OpenaiProfile, URGENCY_LEVELS, describe_hours};

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn bullets(out: &mut String, items: &[String]) {
    for item in items {
        // One item per line, whatever the user typed in it.
        out.push_str("- ");
        out.push_str(&item.replace('\n', " "));
        out.push('\n');
    }
}

/// The system prompt for `profile`.
pub fn render(profile: &OpenaiProfile) -> String {
    let org = &profile.org;
    let mut out = format!(
        "You are the phone assistant for {name}. You are speaking with a caller on the telephone. \
         Speak {language} (language code \"{language}\") unless the caller clearly prefers another language. \
         Keep every answer short and plain: one or two sentences, no lists, no markdown. \
         Confirm names and numbers back to the caller, digit by digit.\n",
        name = org.name,
        language = profile.language,
    );
    if !profile.first_message.is_empty() {
        out.push_str(&format!(
            "\nOpen the call with: \"{}\"\n",
            profile.first_message.replace('\n', " ")
        ));
    }
    if !org.services.is_empty() {
        out.push_str(&format!("\n## What {} offers\n", org.name));
        bullets(&mut out, &org.services);
    }
    out.push_str(&format!("\n## Opening hours ({})\n", org.hours.timezone));
    for (day, hours) in WEEKDAYS.iter().zip(&org.hours.window.days) {
        out.push_str(&format!("- {day}: {}\n", describe_hours(hours)));
    }
    if !org.policies.is_empty() {
        out.push_str("\n## Policies you must follow\n");
        bullets(&mut out, &org.policies);
    }
    out.push_str(
        "\n## Escalation\n\
         Call escalate_to_human at once, with a short reason and an urgency, when the caller describes an \
         emergency or danger to anyone, asks for a person, is distressed, or when you are unsure twice in a row. \
         Urgency is one of: ",
    );
    out.push_str(&URGENCY_LEVELS.join(", "));
    out.push_str(".\n");
    if profile.escalation.transfer_on_escalation {
        out.push_str("After escalating, tell the caller you are connecting them to a person now.\n");
    } else {
        out.push_str("After escalating, tell the caller a person will call them back.\n");
    }
    if !org.escalation_contacts.is_empty() {
        out.push_str("People who handle escalations (never read their numbers to the caller):\n");
        for c in &org.escalation_contacts {
            let role = if c.role.is_empty() {
                String::new()
            } else {
                format!(" ({})", c.role)
            };
            out.push_str(&format!("- {}{role}\n", c.name));
        }
    }
    out.push_str("\n## Intake\nCollect these details during the conversation:\n");
    let properties = org.intake_schema.get("properties").and_then(|p| p.as_object());
    let required: Vec<&str> = org
        .intake_schema
        .get("required")
        .and_then(|r| r.as_array())
        .map(|r| r.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    for (field, spec) in properties.into_iter().flatten() {
        let mut line = format!("- {field}");
        if required.contains(&field.as_str()) {
            line.push_str(" (required)");
        }
        if let Some(d) = spec.get("description").and_then(|d| d.as_str()) {
            line.push_str(": ");
            line.push_str(&d.replace('\n', " "));
        }
        if let Some(values) = spec.get("enum").and_then(|e| e.as_array()) {
            let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
            line.push_str(&format!(" [one of {}]", values.join(", ")));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(
        "When you have them, call complete_intake with the details as `data`. If it answers with errors, \
         ask the caller for what is missing or wrong and call it again.\n\
         \n## Ending\nWhen the caller has nothing more, say a short goodbye and then call end_call with the reason.\n",
    );
    out
}

/// The version key of a rendered prompt: lowercase hex SHA-256 of its UTF-8 bytes.
pub fn hash(rendered: &str) -> String {
    hex::encode(Sha256::digest(rendered.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openai::profile::EscalationContact;

    fn profile() -> OpenaiProfile {
        let mut p = OpenaiProfile::starter("Harbour Clinic", "marin", "en", "Hello, Harbour Clinic.");
        p.org.services = vec!["Dental check-ups".into(), "Emergency\nextractions".into()];
        p.org.policies = vec!["Never give medical advice.".into()];
        p.org.escalation_contacts = vec![EscalationContact {
            name: "Dr Noor".into(),
            role: "on call".into(),
            phone: "+96550001234".into(),
        }];
        p
    }

    #[test]
    fn renders_every_part_of_the_org_config() {
        let text = render(&profile());
        for part in [
            "phone assistant for Harbour Clinic",
            "Open the call with: \"Hello, Harbour Clinic.\"",
            "- Dental check-ups\n",
            "- Emergency extractions\n",
            "## Opening hours (UTC)",
            "- Monday: 09:00–17:00",
            "- Never give medical advice.",
            "- Dr Noor (on call)",
            "- urgency (required)",
            "[one of \"low\", \"normal\", \"high\", \"emergency\"]",
            "a person will call them back",
        ] {
            assert!(text.contains(part), "missing {part:?} in:\n{text}");
        }
        assert!(
            !text.contains("+96550001234"),
            "contact numbers stay out of the prompt"
        );
    }

    #[test]
    fn same_profile_same_text_and_hash_any_change_a_new_one() {
        let a = render(&profile());
        assert_eq!(a, render(&profile()));
        assert_eq!(hash(&a).len(), 64);
        let mut changed = profile();
        changed.org.policies.push("Be kind.".into());
        assert_ne!(hash(&a), hash(&render(&changed)));
        let mut transfer = profile();
        transfer.escalation.transfer_on_escalation = true;
        assert!(render(&transfer).contains("connecting them to a person"));
        // The model and voice are not in the prompt: changing them keeps the version.
        let mut voice = profile();
        voice.voice = "cedar".into();
        assert_eq!(hash(&a), hash(&render(&voice)));
    }
}
