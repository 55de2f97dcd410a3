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

Run: python samples/make_samples.py   (needs xlsxwriter)
"""

import csv
from pathlib import Path

import xlsxwriter

HEADERS = [
    "Use Case ID", "Use Case", "Business Unit", "Owner", "Industry", "Data Sensitivity",
    "Contains PII", "Regulations", "Model", "Monthly Calls", "Input Tokens", "Output Tokens",
    "Input Price per 1K ($)", "Output Price per 1K ($)", "Monthly API Cost ($)",
    "Current Accuracy", "Target Accuracy", "Critical Error Rate", "Edge Case Error Rate",
    "Latency Class", "Max Latency (s)", "Fine-tune Setup Cost ($)", "Fine-tune Monthly Cost ($)",
    "Usage Growth %", "Notes",
]

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
     "Trade secrets in the codebase"],
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
     "claude-3-5-haiku", 15000, 4000, 350, 0.0008, 0.004, N, "86%", N, "1%", "5%", "quick", 6, 15000, 1500, N, N],
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
     "15%", N],
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
]

HERE = Path(__file__).parent


def main() -> None:
    wb = xlsxwriter.Workbook(HERE / "portfolio.xlsx", {"strings_to_formulas": False, "strings_to_numbers": False})
    ws = wb.add_worksheet("Portfolio")
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True})
    ws.write_row(0, 0, HEADERS, head)
    for i, row in enumerate(ROWS, start=1):
        for j, value in enumerate(row):
            if value is not None:
                ws.write(i, j, value)
    ws.set_column(0, len(HEADERS) - 1, 16)
    ws.freeze_panes(1, 2)
    wb.close()
    with open(HERE / "portfolio.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        for row in ROWS:
            writer.writerow(["" if v is None else v for v in row])


if __name__ == "__main__":
    main()
