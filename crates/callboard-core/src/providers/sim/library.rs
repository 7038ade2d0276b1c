//! The scripted calls themselves (see [`super::script`] for what each field means): Kuwait test-drive
//! follow-ups in English and Arabic, Indian home-loan and real-estate calls in English and Hindi, US insurance
//! renewals, and a service intake that escalates to a human; some opt out, some ask for a callback.

use super::script::{Script, Speaker};

use Speaker::{Agent as A, Contact as C};

pub const SCRIPTS: &[Script] = &[
    Script {
        id: "kw_test_drive_en",
        market: "+965",
        language: "en",
        title: "Test drive follow-up: second visit booked",
        summary: "Sara followed up the Nissan Patrol test drive; the customer wants the Platinum trim and booked a second visit on Saturday at 5 pm.",
        success: "success",
        sentiment: "positive",
        turns: &[
            (
                0,
                A,
                "Good evening, this is Sara from Al-Noor Motors. You test-drove the Nissan Patrol with us last week. Is now a good time?",
            ),
            (7, C, "Yes, hi. I liked it a lot actually."),
            (
                11,
                A,
                "Wonderful. Were you considering the LE or the Platinum trim?",
            ),
            (
                16,
                C,
                "The Platinum. My wife wants to see the interior before we decide.",
            ),
            (
                22,
                A,
                "Of course. Shall I book you both a visit to the Shuwaikh showroom this Saturday at five?",
            ),
            (29, C, "Saturday at five works."),
            (
                32,
                A,
                "Done. You'll get an SMS confirmation. Thank you and have a lovely evening.",
            ),
        ],
        criteria: &[(
            "visit_booked",
            "success",
            "A second showroom visit was booked for Saturday 17:00.",
        )],
        data: &[
            (
                "interested_model",
                "\"Nissan Patrol Platinum\"",
                "Customer named the Platinum trim.",
            ),
            (
                "callback_time",
                "\"Saturday 17:00\"",
                "Visit booked for Saturday at five.",
            ),
            ("opt_out", "false", "No request to stop calls."),
        ],
    },
    Script {
        id: "kw_test_drive_ar",
        market: "+965",
        language: "ar",
        title: "متابعة تجربة قيادة: اتصال غداً",
        summary: "The customer (Arabic) is still comparing the Toyota Land Cruiser with a competitor and asked to be called tomorrow at 3 pm.",
        success: "unknown",
        sentiment: "neutral",
        turns: &[
            (
                0,
                A,
                "مساء الخير، معك سارة من معرض النور للسيارات بخصوص تجربة قيادة لاند كروزر.",
            ),
            (6, C, "أهلاً، نعم أذكر."),
            (9, A, "هل ما زلت مهتماً بالسيارة؟ لدينا عرض تمويل هذا الشهر."),
            (15, C, "ما زلت أقارن مع سيارة ثانية. اتصلي فيني بكرة الساعة ثلاث."),
            (22, A, "أكيد، سأتصل بك غداً الساعة الثالثة. شكراً لوقتك."),
        ],
        criteria: &[(
            "visit_booked",
            "unknown",
            "The customer asked for a callback instead of a visit.",
        )],
        data: &[
            (
                "interested_model",
                "\"Toyota Land Cruiser\"",
                "Test drive was for the Land Cruiser.",
            ),
            (
                "callback_time",
                "\"tomorrow 15:00\"",
                "\"Call me tomorrow at three.\"",
            ),
            ("opt_out", "false", "No request to stop calls."),
        ],
    },
    Script {
        id: "kw_test_drive_optout",
        market: "+965",
        language: "en",
        title: "Test drive follow-up: opted out",
        summary: "The customer already bought elsewhere and asked not to be called again; marked as opt-out.",
        success: "failure",
        sentiment: "negative",
        turns: &[
            (
                0,
                A,
                "Hello, this is Sara from Al-Noor Motors following up on your Kia Sorento test drive.",
            ),
            (6, C, "I already bought a car. Please don't call me again."),
            (
                11,
                A,
                "Understood, I'm sorry for the trouble. I've removed your number from our list. Goodbye.",
            ),
        ],
        criteria: &[("visit_booked", "failure", "Customer bought elsewhere.")],
        data: &[
            (
                "interested_model",
                "\"Kia Sorento\"",
                "Model from the test-drive sheet.",
            ),
            ("callback_time", "null", "No callback."),
            ("opt_out", "true", "\"Please don't call me again.\""),
        ],
    },
    Script {
        id: "in_home_loan_en",
        market: "+91",
        language: "en",
        title: "Home-loan enquiry: documents requested",
        summary: "Priya confirmed a 45 lakh home-loan enquiry for a flat in Whitefield; the customer will upload salary slips and wants a call tomorrow at 3.",
        success: "success",
        sentiment: "positive",
        turns: &[
            (
                0,
                A,
                "Hello, this is Priya from Griha Finance about your home-loan enquiry. Is this a good time?",
            ),
            (6, C, "Yes, please go ahead."),
            (
                9,
                A,
                "You asked about a loan of around 45 lakh for a flat in Whitefield. Is that still right?",
            ),
            (16, C, "Yes. What documents do you need?"),
            (
                20,
                A,
                "Your last three salary slips and six months of bank statements. I'll send you an upload link.",
            ),
            (28, C, "Okay. Can you call me tomorrow at 3 to go over the rate?"),
            (34, A, "Certainly, tomorrow at 3 pm. Thank you!"),
        ],
        criteria: &[(
            "documents_requested",
            "success",
            "Customer agreed to upload documents.",
        )],
        data: &[
            (
                "interested_model",
                "\"Home loan 45 lakh, Whitefield\"",
                "Amount and location confirmed.",
            ),
            (
                "callback_time",
                "\"tomorrow 15:00\"",
                "\"Call me tomorrow at 3.\"",
            ),
            ("opt_out", "false", "No request to stop calls."),
        ],
    },
    Script {
        id: "in_real_estate_hi",
        market: "+91",
        language: "hi",
        title: "फ्लैट की पूछताछ: साइट विज़िट",
        summary: "Hindi call about a 2BHK in Noida Sector 150; the customer booked a site visit for Sunday morning.",
        success: "success",
        sentiment: "positive",
        turns: &[
            (
                0,
                A,
                "नमस्ते, मैं गृह रियल्टी से प्रिया बोल रही हूँ। आपने नोएडा में 2BHK के बारे में पूछा था।",
            ),
            (7, C, "हाँ जी, बताइए।"),
            (10, A, "सेक्टर 150 में रेडी-टू-मूव फ्लैट है, क्या आप साइट देखना चाहेंगे?"),
            (17, C, "हाँ, रविवार सुबह ठीक रहेगा।"),
            (21, A, "ठीक है, रविवार सुबह 11 बजे की विज़िट बुक कर दी है। धन्यवाद।"),
        ],
        criteria: &[("visit_booked", "success", "Site visit booked for Sunday 11:00.")],
        data: &[
            (
                "interested_model",
                "\"2BHK, Noida Sector 150\"",
                "Unit type and location.",
            ),
            ("callback_time", "\"Sunday 11:00\"", "Visit time."),
            ("opt_out", "false", "No request to stop calls."),
        ],
    },
    Script {
        id: "in_loan_dnc",
        market: "+91",
        language: "en",
        title: "Personal-loan follow-up: do not call",
        summary: "The customer did not make the enquiry and asked not to be called again.",
        success: "failure",
        sentiment: "negative",
        turns: &[
            (
                0,
                A,
                "Hi, this is Priya from Griha Finance about your personal-loan enquiry.",
            ),
            (5, C, "I never asked for a loan. Please don't call me again."),
            (
                10,
                A,
                "Apologies. I've added your number to our do-not-call list.",
            ),
        ],
        criteria: &[("documents_requested", "failure", "Customer denies the enquiry.")],
        data: &[
            ("interested_model", "null", "No product of interest."),
            ("callback_time", "null", "No callback."),
            ("opt_out", "true", "\"Please don't call me again.\""),
        ],
    },
    Script {
        id: "us_insurance_renewal",
        market: "+1",
        language: "en",
        title: "Policy renewal confirmed",
        summary: "The agent reminded the customer that the auto policy renews on the 1st; they kept the same coverage.",
        success: "success",
        sentiment: "positive",
        turns: &[
            (
                0,
                A,
                "Hi, this is Sam from Northwind Insurance calling about your auto policy. Do you have a minute?",
            ),
            (6, C, "Yes, go ahead."),
            (
                8,
                A,
                "Your policy renews on the first of next month. Would you like to keep the same coverage?",
            ),
            (15, C, "Yes, keep it the same. Thanks."),
            (19, A, "Great, I've noted that. Have a good day!"),
        ],
        criteria: &[(
            "renewal_confirmed",
            "success",
            "The customer asked to keep the same coverage.",
        )],
        data: &[
            (
                "interested_model",
                "\"Auto policy, same coverage\"",
                "Renewal decision.",
            ),
            ("callback_time", "null", "No callback."),
            ("opt_out", "false", "No request to stop calls."),
        ],
    },
    Script {
        id: "us_insurance_callback",
        market: "+1",
        language: "en",
        title: "Renewal: call back tomorrow",
        summary: "The customer is driving and asked to be called tomorrow at 3 to discuss a higher deductible.",
        success: "unknown",
        sentiment: "neutral",
        turns: &[
            (
                0,
                A,
                "Hi, Sam from Northwind Insurance about your policy renewal.",
            ),
            (4, C, "I'm driving right now. Call me tomorrow at 3?"),
            (9, A, "Sure thing, tomorrow at 3. Drive safe!"),
        ],
        criteria: &[("renewal_confirmed", "unknown", "Postponed to a callback.")],
        data: &[
            (
                "interested_model",
                "\"Higher deductible quote\"",
                "Mentioned a higher deductible.",
            ),
            (
                "callback_time",
                "\"tomorrow 15:00\"",
                "\"Call me tomorrow at 3.\"",
            ),
            ("opt_out", "false", "No request to stop calls."),
        ],
    },
    Script {
        id: "service_intake_escalation",
        market: "",
        language: "en",
        title: "Service intake escalated to a human",
        summary: "The customer reported a brake warning after the last service; the agent took the details and escalated to the service manager.",
        success: "success",
        sentiment: "negative",
        turns: &[
            (
                0,
                A,
                "Thanks for taking our call. I'm following up on your recent service visit. How is the car running?",
            ),
            (
                7,
                C,
                "Not good. The brake warning light came on the day after the service.",
            ),
            (
                13,
                A,
                "I'm sorry to hear that. Is the car safe to drive right now?",
            ),
            (18, C, "I don't want to risk it. I want to speak to a manager."),
            (
                23,
                A,
                "Understood. I'm escalating this to our service manager now; they will call you within the hour.",
            ),
            (31, C, "Okay. Please make sure they do."),
        ],
        criteria: &[(
            "escalated",
            "success",
            "Escalated to the service manager as the customer asked.",
        )],
        data: &[
            ("interested_model", "null", "Service issue, not a sale."),
            ("callback_time", "\"within the hour\"", "Manager to call back."),
            ("opt_out", "false", "No request to stop calls."),
        ],
    },
];
