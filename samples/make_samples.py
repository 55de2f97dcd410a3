"""Write samples/portfolio.xlsx and samples/portfolio.csv from the rows below.

A realistic portfolio of AI use cases across business units, with a few
deliberate problems so the Issues sheet is not empty:
  - row 9:  monthly calls "lots" (not a number)            -> error
  - row 14: current accuracy 120% (out of range)           -> error
  - row 18: blank row (skipped; later rows keep their number)
  - row 20: use case name missing                          -> error
  - row 24: use case id UC-05 repeats row 6                -> error
  - row 12: no accuracy facts                              -> warning
  - row 16: a note that looks like a formula (=HYPERLINK) -> written as text

and rows that between them reach each of the seven recommendations of SPEC §4 for a reason a
manager would recognise (tests/test_sample.py checks it):
  Fine-tune             UC-04 claims triage (accuracy gap, strong need, a golden set and data
                        ready), UC-06 discharge summaries (an accuracy gap, and it saves)
  Prepare to fine-tune  UC-20 voice intents (an accuracy gap with a strong need, but a golden set
                        of only 50 examples)
  Add retrieval         UC-05 code review, UC-12 HR policy Q&A (accuracy gaps on facts the model
                        lacks or that change: knowledge bound)
  Optimise the API      UC-01 nightly call summaries, UC-10 invoices (batch price, cheaper model)
  Self-host             UC-16 product search (needs 0.4 s; today's API measured at 0.6 s)
  Keep prompting        the rest: nothing saves enough to be worth a change
  Insufficient data     UC-26 (row 28): a register row with only the privacy answers
The optional v2 columns (V2_HEADERS) are filled where a team would know them (V2), blank elsewhere.

Run: python samples/make_samples.py   (needs xlsxwriter)
"""

import csv
from datetime import datetime
from pathlib import Path

import xlsxwriter

# The columns of ROWS (bench/generate.py builds its synthetic portfolios on them too).
HEADERS = [
    "Use Case ID", "Use Case", "Business Unit", "Owner", "Industry", "Data Sensitivity",
    "Contains PII", "Regulations", "Model", "Monthly Calls", "Input Tokens", "Output Tokens",
    "Input Price per 1K ($)", "Output Price per 1K ($)", "Monthly API Cost ($)",
    "Current Accuracy", "Target Accuracy", "Critical Error Rate", "Edge Case Error Rate",
    "Latency Class", "Max Latency (s)", "Fine-tune Setup Cost ($)", "Fine-tune Monthly Cost ($)",
    "Usage Growth %", "Notes",
]
# The optional columns of SPEC version 2, written between Usage Growth % and Notes and filled per
# row from V2 below where a real team would know them: most rows leave most of them blank.
V2_HEADERS = ["Deployment Allowed", "Knowledge Bound", "Current Latency (s)", "Batch Eligible", "Alt Model",
              "Golden Set Size", "Training Examples"]
WRITTEN_HEADERS = [*HEADERS[:-1], *V2_HEADERS, HEADERS[-1]]  # the header row of the files

N = None
ROWS = [
    # id, name, unit, owner, industry, sensitivity, pii, regs, model, calls, in_tok, out_tok, in_p, out_p, monthly,
    # cur_acc, tgt_acc, crit, edge, latency, max_lat, setup, run, growth, notes
    ["UC-01", "Call transcript summarisation", "Customer Service", "Dana Ruiz", "general", "personal", "yes", "GDPR",
     "gpt-4o", 100000, 50000, 500, 0.0025, 0.01, N, "88%", N, "1%", "4%", "batch", N, 25000, 3000, "10%",
     "Automotive support calls, the 4P price example"],
    ["UC-02", "Agent reply drafting", "Customer Service", "Dana Ruiz", "general", "internal", "no", N,
     "gpt-4o-mini", 400000, 1800, 250, 0.00015, 0.0006, N, "0.91", N, "0.5%", "3%", "real-time", 1.5, N, N, "20%",
     N],
    ["UC-03", "Contract clause review", "Legal", "Priya Nair", "legal", "confidential", "no", N,
     "claude-3-5-sonnet", 6000, 12000, 900, 0.003, 0.015, N, "91%", N, "3%", "8%", "batch", N, 40000, 2500, N,
     "Clause library of 14,000 precedents"],
    ["UC-04", "Claims triage", "Claims", "Tom Becker", "finance", "personal", "yes", "GLBA; SOX",
     N, N, N, N, N, N, "$18,500", "96%", N, "2.5%", "6%", "quick", 4, 60000, 4500, "15%", N],
    ["UC-05", "Code review assistant", "Engineering", "Lee Park", "general", "confidential", "no", N,
     "gpt-4o", 30000, 6000, 700, 0.0025, 0.01, N, "0.82", "0.85", "1%", "7%", "quick", 8, N, N, "30%",
     "Misses our internal libraries and conventions; trade secrets in the codebase"],
    ["UC-06", "Discharge summary drafting", "Clinical Operations", "Dr. Amal Haddad", "healthcare", "regulated",
     "yes", "HIPAA", N, N, N, N, N, N, "$12,000", "97%", N, "1.5%", "4%", "batch", N, 20000, 2000, N, N],
    ["UC-07", "Marketing copy variants", "Marketing", "Sofia Lind", "general", "none", "no", N,
     "gpt-4o-mini", 20000, 800, 400, 0.00015, 0.0006, N, "90%", N, "0%", "2%", "batch", N, N, N, N, N],
    ["UC-08", "Fraud alert explanations", "Risk", "Omar Said", "finance", "personal", "yes", "PCI DSS",
     N, "lots", 2500, 300, 0.0025, 0.01, N, "97%", N, "2%", "5%", "real-time", 0.8, 50000, 5000, N, N],
    ["UC-09", "Internal IT helpdesk bot", "IT", "Kim Osei", "general", "internal", "no", N,
     "gpt-4o-mini", 45000, 1500, 300, 0.00015, 0.0006, N, "87%", N, "1%", "4%", "quick", 5, N, N, "5%", N],
    ["UC-10", "Invoice field extraction", "Finance", "Marta Gomez", "finance", "confidential", "no", "SOX",
     N, 250000, 3000, 200, 0.0025, 0.01, N, "98.2%", N, "0.8%", "3%", "batch", N, 30000, 2500, "10%", N],
    ["UC-11", "Meeting notes summariser", "Operations", "Ivan Petrov", "general", "internal", "no", N,
     "gpt-4o-mini", 12000, 9000, 600, 0.00015, 0.0006, N, N, N, N, N, "batch", N, N, N, N,
     "Accuracy not measured yet"],
    ["UC-12", "Policy Q&A for HR", "HR", "Grace Kim", "general", "personal", "yes", "GDPR",
     "claude-3-5-haiku", 15000, 4000, 350, 0.0008, 0.004, N, "78%", N, "3%", "5%", "quick", 6, 15000, 1500, N,
     "Leave and benefits policies change every year"],
    ["UC-13", "Radiology report coding", "Clinical Operations", "Dr. Amal Haddad", "healthcare", "regulated",
     "yes", "HIPAA", N, N, N, N, N, N, "$22,000", "120%", N, "1%", "3%", "batch", N, 35000, 3000, N, N],
    ["UC-14", "Sales email personalisation", "Sales", "Noah Brown", "general", "personal", "yes", "CCPA",
     "gpt-4o", 40000, 2200, 350, 0.0025, 0.01, N, "89%", N, "0.5%", "4%", "batch", N, N, N, "25%", N],
    ["UC-15", "Regulatory filing checks", "Legal", "Priya Nair", "legal", "regulated", "no", "SEC rules",
     "claude-3-5-sonnet", 2500, 30000, 1500, 0.003, 0.015, N, "93%", N, "2.5%", "6%", "batch", N, 45000, 3500, N,
     "=HYPERLINK(\"http://example.com\")"],
    ["UC-16", "Product search rewriting", "E-commerce", "Ava Chen", "general", "none", "no", N,
     "gpt-4o-mini", 2500000, 250, 60, 0.00015, 0.0006, N, "90%", N, "0.2%", "3%", "real-time", 0.4, 18000, 2500,
     "40%", N],
    [N] * 25,  # a blank row: skipped, the rows below keep the numbers Excel shows
    ["UC-17", "Knowledge base tagging", "Operations", "Ivan Petrov", "general", "internal", "no", N,
     "gpt-4o-mini", 8000, 1200, 80, 0.00015, 0.0006, N, "92%", N, "0%", "2%", "none", N, N, N, N, N],
    ["UC-18", N, "Customer Service", "Dana Ruiz", "general", "internal", "no", N,
     "gpt-4o-mini", 5000, 1000, 200, 0.00015, 0.0006, N, "88%", N, "1%", "4%", "quick", N, N, N, N,
     "Name still to be agreed"],
    ["UC-19", "Underwriting memo drafting", "Claims", "Tom Becker", "finance", "confidential", "no", N,
     "gpt-4o", 9000, 15000, 1200, 0.0025, 0.01, N, "95%", N, "2.2%", "7%", "batch", N, 30000, 2500, "10%", N],
    ["UC-20", "Voice assistant intent detection", "Customer Service", "Dana Ruiz", "general", "personal", "yes",
     N, "gpt-4o-mini", 900000, 400, 30, 0.00015, 0.0006, N, "93%", N, "1%", "6%", "real-time", 0.3, 25000, 3000,
     "15%", "Golden set: 50 hand-checked utterances; 4,000 logged ones not yet labelled"],
    ["UC-21", "Translation of support articles", "Customer Service", "Dana Ruiz", "general", "none", "no", N,
     "gpt-4o", 3000, 3000, 3000, 0.0025, 0.01, N, "94%", N, "0.5%", "2%", "batch", N, N, N, N, N],
    ["UC-05", "Test case generation", "Engineering", "Lee Park", "general", "internal", "no", N,
     "gpt-4o-mini", 10000, 3000, 1500, 0.00015, 0.0006, N, "85%", N, "1%", "5%", "batch", N, N, N, N,
     "Duplicate id: typed by hand"],
    ["UC-23", "Supplier risk summaries", "Procurement", "Jonas Weber", "general", "confidential", "no", N,
     "claude-3-5-sonnet", 1500, 20000, 800, 0.003, 0.015, N, "90%", N, "1%", "4%", "batch", N, N, N, N, N],
    ["UC-24", "Patient message routing", "Clinical Operations", "Dr. Amal Haddad", "healthcare", "regulated", "yes",
     "HIPAA", "gpt-4o-mini", 60000, 700, 40, 0.00015, 0.0006, N, "99.2%", N, "0.5%", "2%", "quick", 3, 15000,
     1800, "20%", N],
    ["UC-25", "Expense report anomaly notes", "Finance", "Marta Gomez", "finance", "confidential", "no", "SOX",
     "gpt-4o-mini", 20000, 1500, 200, 0.00015, 0.0006, N, "97.5%", N, "1%", "4%", "batch", N, N, N, N, N],
    ["UC-26", "Visitor photo matching at reception", "Facilities", N, N, "personal", "yes", "GDPR",
     N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, "From the AI register: only the privacy questions answered"],
]

# The v2 facts a team has, by use case name (the columns of V2_HEADERS; blank where not known).
V2: dict[str, dict[str, object]] = {
    # a nightly batch job on a premium model: batch price and a cheaper model, checked on a golden set
    "Call transcript summarisation": {"Deployment Allowed": "enterprise_api", "Batch Eligible": "yes",
                                      "Alt Model": "gpt-4o-mini", "Golden Set Size": 300},
    "Agent reply drafting": {"Current Latency (s)": 0.4},  # measured: inside the 0.5 s a real-time reply needs
    "Contract clause review": {"Knowledge Bound": "no", "Golden Set Size": 120, "Training Examples": 14000},
    # ready to fine-tune: a trusted golden set and curated claims
    "Claims triage": {"Golden Set Size": 1500, "Training Examples": 20000},
    # the reviewer misses what it cannot know (the in-house code): retrieval, not fine-tuning
    "Code review assistant": {"Knowledge Bound": "yes", "Current Latency (s)": 2.5, "Golden Set Size": 150},
    "Discharge summary drafting": {"Deployment Allowed": "enterprise_api", "Golden Set Size": 400,
                                   "Training Examples": 6000},
    "Fraud alert explanations": {"Current Latency (s)": 0.6},
    # knowledge-bound too, but accurate enough today: no gap, so nothing to add
    "Internal IT helpdesk bot": {"Knowledge Bound": "yes", "Current Latency (s)": 1.2},
    "Invoice field extraction": {"Batch Eligible": "yes", "Golden Set Size": 500},
    # policy answers depend on facts that change: an accuracy gap retrieval closes
    "Policy Q&A for HR": {"Deployment Allowed": "enterprise_api", "Knowledge Bound": "yes", "Golden Set Size": 80},
    "Sales email personalisation": {"Batch Eligible": "yes"},
    # measured: today's API starts in 0.6 s, the search box needs 0.4 s
    "Product search rewriting": {"Deployment Allowed": "api", "Current Latency (s)": 0.6},
    # a fine-tune candidate whose team has only 50 trusted examples: prepare first
    "Voice assistant intent detection": {"Current Latency (s)": 0.45, "Golden Set Size": 50,
                                         "Training Examples": 4000},
    "Translation of support articles": {"Batch Eligible": "yes"},
    "Supplier risk summaries": {"Alt Model": "claude-3-5-haiku"},
    "Patient message routing": {"Deployment Allowed": "enterprise_api", "Current Latency (s)": 0.7,
                                "Golden Set Size": 1000},
}

HERE = Path(__file__).parent
CREATED = datetime(2026, 11, 30)


def written(row: list) -> list:
    """A row as the files hold it: its v2 facts (by use case name) before Notes."""
    facts = V2.get(row[1], {})
    assert len(row) == len(HEADERS) and set(facts) <= set(V2_HEADERS), row
    return [*row[:-1], *(facts.get(h) for h in V2_HEADERS), row[-1]]


def main() -> None:
    wb = xlsxwriter.Workbook(HERE / "portfolio.xlsx", {"strings_to_formulas": False, "strings_to_numbers": False})
    wb.set_properties({"created": CREATED})  # a fixed date: the same rows give the same file
    ws = wb.add_worksheet("Portfolio")
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True})
    ws.write_row(0, 0, WRITTEN_HEADERS, head)
    for i, row in enumerate(map(written, ROWS), start=1):
        for j, value in enumerate(row):
            if value is not None:
                ws.write(i, j, value)
    ws.set_column(0, len(WRITTEN_HEADERS) - 1, 16)
    ws.freeze_panes(1, 2)
    wb.close()
    with open(HERE / "portfolio.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(WRITTEN_HEADERS)
        for row in map(written, ROWS):
            writer.writerow(["" if v is None else v for v in row])


if __name__ == "__main__":
    main()
