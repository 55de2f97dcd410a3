"""The pandera contracts of ftscore: the parsed input and the scored output."""

from schemas.portfolio import PortfolioInput, ScoredPortfolio

__all__ = ["PortfolioInput", "ScoredPortfolio"]
