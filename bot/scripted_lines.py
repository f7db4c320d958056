"""Plain employee lines for each move and move paths through the library scenarios (tests and benchmark)."""
LINES = {
    "greet": "Good morning and welcome to our office.",
    "introduce_self": "My name is Eleni and I work at this desk.",
    "acknowledge_feelings": "I can see this has been a really stressful week for you.",
    "paraphrase": "So if I understand you correctly, you need this done for your family, is that right?",
    "check_language": "Which language is easiest for you to talk in?",
    "offer_interpreter": "I can call a professional interpreter on the phone for us right now.",
    "explain_procedure": "First we check your papers, then the system registers you and prints the certificate.",
    "ask_documents": "Do you have your passport or residence permit with you?",
    "give_next_steps": "Please come back on Tuesday at 10 with the signed letter.",
    "offer_written_info": "I will write all the steps down for you on a paper.",
    "check_understanding": "Just to be sure I explained it well, can you tell me in your own words what you will bring on Tuesday?",
    "close_conversation": "Is there anything else I can do for you today?",
    "ask_preferences": "Would you prefer a morning or an afternoon appointment?",
    "rush": "Quickly please, there are many people waiting behind you.",
    "demand_host_language": "Speak Spanish or I cannot help you.",
    "dismiss": "That's not my problem, come back another day.",
}

# Move sequences through the library's scenarios (see the scenario files' steps).
PATHS = {
    "citizen_registration": {
        "good": ["greet", "introduce_self", "acknowledge_feelings", "paraphrase", "check_language", "explain_procedure",
                 "ask_documents", "give_next_steps", "offer_written_info", "check_understanding", "give_next_steps",
                 "close_conversation"],
        "dismissive": ["rush", "demand_host_language", "dismiss"],
    },
    "school_enrolment": {
        "good": ["greet", "introduce_self", "acknowledge_feelings", "paraphrase", "check_language", "offer_interpreter",
                 "explain_procedure", "ask_documents", "give_next_steps", "ask_preferences", "check_understanding",
                 "offer_written_info", "close_conversation"],
        "dismissive": ["demand_host_language", "rush", "dismiss"],
    },
}
