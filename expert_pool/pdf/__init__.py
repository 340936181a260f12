"""What the system's PDFs share: the embedded fonts and the page layout (reportlab stays in PDF modules)."""
