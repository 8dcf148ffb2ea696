"""Who opens which dashboard."""

from __future__ import annotations

MARKETING = "customer:segmentation:manage"
CUSTOMERS = "customer:manage"
COMPLIANCE = "customer:compliance:manage"

# name → (permission, title, endpoint)
DASHBOARDS = {
    "acquisition": (MARKETING, "Customer acquisition", "dashboards.acquisition"),
    "segments": (MARKETING, "Segmentation", "dashboards.segments"),
    "quality": (CUSTOMERS, "Data quality", "dashboards.quality"),
    "compliance": (COMPLIANCE, "Compliance and data quality", "dashboards.compliance"),
}
