"""The alliance's directory: funding agencies, partner organisations and the catalogue of service areas."""
