"""A small labelled set for the theme-classifier tests (written for the tests; 0/1 per default theme).

Columns: text, epr, infrastructure_cyber, data, strategy, productivity, skills. Small on purpose:
the tests check behaviour (shapes, thresholds, persistence, CLI), not accuracy.
"""

THEMES = ["epr", "infrastructure_cyber", "data", "strategy", "productivity", "skills"]

ROWS = [
    ("Our new electronic patient record went live on every ward in the spring.", 1, 0, 0, 0, 0, 0),
    ("E-prescribing replaced the paper drug charts on the medical wards.", 1, 0, 0, 0, 0, 0),
    ("We are converging onto one EPR instance with the two neighbouring trusts.", 1, 0, 0, 0, 0, 0),
    ("The EPR upgrade slipped again because the supplier missed the build date.", 1, 0, 0, 0, 0, 0),
    ("Paper case notes are being scanned so clinicians can see the history in the record.", 1, 0, 0, 0, 0, 0),
    ("electronic obs on the tablets at the bedside since june, nurses like it", 1, 0, 0, 0, 0, 0),
    ("Half the network switches were out of support so we replaced them this year.", 0, 1, 0, 0, 0, 0),
    ("A ransomware attack on a supplier forced us to rehearse our cyber incident plan.", 0, 1, 0, 0, 0, 0),
    ("We moved the servers out of the basement data centre and into the cloud.", 0, 1, 0, 0, 0, 0),
    ("Wi-fi in the community bases is patchy and staff cannot log on remotely.", 0, 1, 0, 0, 0, 0),
    ("Unsupported operating systems on old desktops are our biggest technical debt.", 0, 1, 0, 0, 0, 0),
    ("Penetration testing found weak passwords, so multi-factor login is being rolled out.", 0, 1, 0, 0, 0, 0),
    ("Ward managers now use a live dashboard of beds and staffing to plan the day.", 0, 0, 1, 0, 0, 0),
    ("We joined the Federated Data Platform to bring waiting list data together.", 0, 0, 1, 0, 0, 0),
    ("The shared care record lets GPs and our clinicians see the same information.", 0, 0, 1, 0, 0, 0),
    ("Data quality in coding was poor, so nobody trusted the activity figures.", 0, 0, 1, 0, 0, 0),
    ("Population health analytics with the council showed where frailty is rising.", 0, 0, 1, 0, 0, 0),
    ("board reports now use run charts from one validated source of data", 0, 0, 1, 0, 0, 0),
    ("The board approved a refreshed five year digital strategy in March.", 0, 0, 0, 1, 0, 0),
    ("We appointed our first chief digital information officer to the executive team.", 0, 0, 0, 1, 0, 0),
    ("Our digital roadmap is aligned with What Good Looks Like and the ICS plan.", 0, 0, 0, 1, 0, 0),
    ("A new digital committee of the board now oversees every technology decision.", 0, 0, 0, 1, 0, 0),
    ("The vision is for digital to be part of the trust strategy, not a separate plan.", 0, 0, 0, 1, 0, 0),
    ("Robotic process automation now handles referral letters that were typed by hand.", 0, 0, 0, 0, 1, 0),
    ("Ambient voice software saves consultants about an hour of typing each clinic.", 0, 0, 0, 0, 1, 0),
    ("Digital booking cut missed appointments and freed admin time in outpatients.", 0, 0, 0, 0, 1, 0),
    ("Removing double entry between systems has saved the wards hours every week.", 0, 0, 0, 0, 1, 0),
    ("automation of invoice matching released two posts worth of finance time", 0, 0, 0, 0, 1, 0),
    ("Digital champions on every ward help colleagues who are nervous with computers.", 0, 0, 0, 0, 0, 1),
    ("We run digital literacy training for healthcare assistants in their first month.", 0, 0, 0, 0, 0, 1),
    ("Board development sessions on AI helped non-executives ask better questions.", 0, 0, 0, 0, 0, 1),
    ("It is hard to recruit and keep analysts and developers on NHS pay.", 0, 0, 0, 0, 0, 1),
    ("staff confidence with the new devices is low so we're doing drop in sessions", 0, 0, 0, 0, 0, 1),
    ("Super users trained the theatre teams before the record went live.", 1, 0, 0, 0, 0, 1),
    ("The EPR now pulls in results automatically, which saves nurses re-keying them.", 1, 0, 0, 0, 1, 0),
    ("Our strategy puts secure infrastructure and a single record at its centre.", 1, 1, 0, 1, 0, 0),
    ("Better data has let us plan theatre lists and cut cancelled operations.", 0, 0, 1, 0, 1, 0),
    ("We train every new starter on cyber security and phishing awareness.", 0, 1, 0, 0, 0, 1),
    ("Recruiting nurses remains the hardest problem on the medical wards.", 0, 0, 0, 0, 0, 0),
    ("The car park is being rebuilt and parking is difficult for visitors.", 0, 0, 0, 0, 0, 0),
    ("Our estates strategy focuses on replacing the old maternity building.", 0, 0, 0, 0, 0, 0),
    ("Winter pressures meant the emergency department was full most nights.", 0, 0, 0, 0, 0, 0),
    ("The catering team introduced a new menu for patients on the wards.", 0, 0, 0, 0, 0, 0),
    ("Sickness absence among porters fell after the wellbeing programme.", 0, 0, 0, 0, 0, 0),
]


def frame():
    import pandas as pd

    return pd.DataFrame(ROWS, columns=["text", *THEMES])
