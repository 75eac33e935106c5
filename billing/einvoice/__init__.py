"""E-invoices of issued invoices: XRechnung 3.0 as UN/CEFACT CII (`cii`), its validation by the XSD and the
official EN 16931 and XRechnung rules shipped in `rules/` (`validate`), the ZUGFeRD / Factur-X PDF with the same
XML embedded (`zugferd`), and the German explanation of a failed rule (`messages`)."""
