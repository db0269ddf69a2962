from .corocl import CoroCLLoss, sample_groups, supervised_info_nce
from .energy_oe import EnergyOELoss, energy_oe_loss
from .none_of_known import NoneOfKnownLoss, none_of_known_loss
from .qd import QueryDistributionLoss, query_distribution_loss
from .rba import RbAOutlierLoss, rba_outlier_loss
from .rpl import RPLLoss, rpl_losses
from .utils import masked_mean, outlier_masks
from .weighted_ce import WeightedCrossEntropyLoss

__all__ = ['CoroCLLoss', 'EnergyOELoss', 'NoneOfKnownLoss', 'QueryDistributionLoss',
           'RbAOutlierLoss', 'RPLLoss', 'energy_oe_loss', 'masked_mean', 'none_of_known_loss',
           'outlier_masks', 'query_distribution_loss', 'rba_outlier_loss', 'rpl_losses',
           'sample_groups', 'supervised_info_nce', 'WeightedCrossEntropyLoss']
