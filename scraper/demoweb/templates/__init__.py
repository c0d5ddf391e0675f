"""Page templates, one per outlet layout; `TEMPLATE_CLASSES` maps outlets.toml `template` names."""

from scraper.demoweb.templates.base import BaseTemplate
from scraper.demoweb.templates.dispatch import DispatchTemplate
from scraper.demoweb.templates.ecran import EcranTemplate
from scraper.demoweb.templates.farm import FarmTemplate
from scraper.demoweb.templates.ledger import LedgerTemplate
from scraper.demoweb.templates.marquee import MarqueeTemplate
from scraper.demoweb.templates.record import RecordTemplate

TEMPLATE_CLASSES: dict[str, type[BaseTemplate]] = {
    cls.name: cls
    for cls in (
        LedgerTemplate,
        MarqueeTemplate,
        EcranTemplate,
        FarmTemplate,
        DispatchTemplate,
        RecordTemplate,
    )
}

__all__ = ["TEMPLATE_CLASSES", "BaseTemplate"]
