// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FixedPointMathLib} from "solady/utils/FixedPointMathLib.sol";

/// @title BancorMath
/// @notice The Bancor bonding-curve formulas, on Solady's `lnWad`/`expWad` (18-decimal fixed point):
///   purchase return  S·((1 + d/R)^rr − 1) = S·(exp(rr·ln(1 + d/R)) − 1)
///   sale return      R·(1 − (1 − t/S)^(1/rr)) = R·(1 − exp(ln(1 − t/S)/rr))
/// and the formula supply after a change of the reserve ratio (`raisedSupply`, `loweredSupply`).
/// Every rounding step goes against the trader (in favour of the reserve), and `ERROR_MARGIN` wad
/// units are taken off each result to cover the ±1-unit approximation error of `lnWad`/`expWad`.
/// Precision: the absolute error of the bracketed factor is a few 1e-18, so the relative error is
/// below 1e-9 whenever rr·d/R ≥ 1e-8 (buys) or t/S ≥ 1e-8 (sells) — measured in BondingCurve.t.sol.
library BancorMath {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant PPM = 1e6;
    /// @notice Wad units subtracted from each bracketed factor: lnWad and expWad are each accurate to
    /// about one unit; two for each, so the result never exceeds the exact value.
    int256 internal constant ERROR_MARGIN = 4;

    error SaleExceedsSupply(uint256 tokensIn, uint256 supply);

    /// @notice Tokens minted for `reserveIn` at formula supply `supply`, reserve `reserve`, ratio `ratioPpm`.
    function purchaseReturn(uint256 supply, uint256 reserve, uint256 ratioPpm, uint256 reserveIn)
        internal
        pure
        returns (uint256)
    {
        if (reserveIn == 0) return 0;
        // 1 + d/R, rounded down.
        uint256 base = WAD + FixedPointMathLib.fullMulDiv(reserveIn, WAD, reserve);
        // rr·ln(1 + d/R) ≥ 0; integer division truncates toward zero (down).
        int256 exponent = (FixedPointMathLib.lnWad(int256(base)) * int256(ratioPpm)) / int256(PPM);
        int256 factor = FixedPointMathLib.expWad(exponent) - int256(WAD) - ERROR_MARGIN;
        if (factor <= 0) return 0;
        return FixedPointMathLib.fullMulDiv(supply, uint256(factor), WAD);
    }

    /// @notice Reserve paid out for burning `tokensIn`.
    function saleReturn(uint256 supply, uint256 reserve, uint256 ratioPpm, uint256 tokensIn)
        internal
        pure
        returns (uint256)
    {
        if (tokensIn == 0) return 0;
        if (tokensIn >= supply) revert SaleExceedsSupply(tokensIn, supply);
        // 1 − t/S with t/S rounded down, so the base is rounded up (less paid out).
        uint256 base = WAD - FixedPointMathLib.fullMulDiv(tokensIn, WAD, supply);
        if (base == 0) revert SaleExceedsSupply(tokensIn, supply);
        // ln(1 − t/S)/rr ≤ 0; truncation toward zero makes it less negative (less paid out).
        int256 exponent = (FixedPointMathLib.lnWad(int256(base)) * int256(PPM)) / int256(ratioPpm);
        int256 factor = int256(WAD) - FixedPointMathLib.expWad(exponent) - ERROR_MARGIN;
        if (factor <= 0) return 0;
        return FixedPointMathLib.fullMulDiv(reserve, uint256(factor), WAD);
    }

    /// @notice Highest ratio a raise from `ratioPpm` can reach while `raisedSupply` stays at or above
    /// `minSupply`: S·k'/k ≥ m with k = 1/rr − 1 gives rr' ≤ S·rr/(S·rr + (1 − rr)·m). Rounded down.
    function maxRaisedRatio(uint256 supply, uint256 ratioPpm, uint256 minSupply) internal pure returns (uint256) {
        return FixedPointMathLib.fullMulDiv(supply, ratioPpm * PPM, supply * ratioPpm + (PPM - ratioPpm) * minSupply);
    }

    /// @notice Formula supply after raising the ratio from `ratioPpm` to `newRatioPpm` (> `ratioPpm`) at an
    /// unchanged price: S' = S·k'/k, k = 1/rr − 1, which keeps the price's slope in log terms at the
    /// current supply (k/S). Rounded down. With the reserve set to keep the price, the new curve lies
    /// at or below the old one at every supply (docs/economics.md, "The ratio-change rule").
    function raisedSupply(uint256 supply, uint256 ratioPpm, uint256 newRatioPpm) internal pure returns (uint256) {
        return FixedPointMathLib.fullMulDiv(supply, ratioPpm * (PPM - newRatioPpm), newRatioPpm * (PPM - ratioPpm));
    }

    /// @notice Formula supply after lowering the ratio from `ratioPpm` to `newRatioPpm` (< `ratioPpm`) at
    /// an unchanged price, with `realSupply` tokens in circulation: the largest S' whose curve keeps the
    /// price at zero real supply too, S' = s/(1 − (V/S)^(k/k')), never below S. Rounded down (a smaller
    /// S' keeps the new curve below the old one as well); a flat curve (rr = 100 %) keeps S.
    function loweredSupply(uint256 supply, uint256 realSupply, uint256 ratioPpm, uint256 newRatioPpm)
        internal
        pure
        returns (uint256)
    {
        if (ratioPpm == PPM || realSupply == 0) return supply;
        // V/S rounded down, then every step rounds toward a smaller (V/S)^(k/k').
        uint256 virtualShare = FixedPointMathLib.fullMulDiv(supply - realSupply, WAD, supply);
        if (virtualShare == 0) return supply;
        int256 ln = FixedPointMathLib.lnWad(int256(virtualShare)) - ERROR_MARGIN;
        // k/k' = (1 − rr)·rr' / (rr·(1 − rr')) < 1; ln ≤ 0, and the division truncates toward zero, so
        // one more unit down.
        int256 exponent = (ln * int256((PPM - ratioPpm) * newRatioPpm)) / int256(ratioPpm * (PPM - newRatioPpm)) - 1;
        int256 share = FixedPointMathLib.expWad(exponent) - ERROR_MARGIN;
        if (share <= 0) return supply;
        uint256 lowered = FixedPointMathLib.fullMulDiv(realSupply, WAD, WAD - uint256(share));
        return lowered > supply ? lowered : supply;
    }

    /// @notice Spot price R/(S·rr): reserve base units per 1e18 token units, scaled by 1e18.
    function spotPrice(uint256 supply, uint256 reserve, uint256 ratioPpm) internal pure returns (uint256) {
        return FixedPointMathLib.fullMulDiv(reserve * PPM, WAD * WAD, supply * ratioPpm);
    }
}
