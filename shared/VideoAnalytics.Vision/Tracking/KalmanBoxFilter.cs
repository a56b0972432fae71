namespace VideoAnalytics.Vision.Tracking;

/// <summary>
/// Constant-velocity Kalman filter over (cx, cy, aspect w/h, height) and their velocities, one step per frame,
/// with ByteTrack's (DeepSORT's) noise model: position noise proportional to box height.
/// </summary>
internal sealed class KalmanBoxFilter
{
    private const double StdPosition = 1.0 / 20;
    private const double StdVelocity = 1.0 / 160;

    /// <summary>State: cx, cy, a, h, vcx, vcy, va, vh.</summary>
    public readonly double[] Mean = new double[8];

    /// <summary>8x8 covariance, row-major.</summary>
    public readonly double[] Covariance = new double[64];

    public void Initiate(double cx, double cy, double a, double h)
    {
        Array.Clear(Mean);
        Array.Clear(Covariance);
        Mean[0] = cx; Mean[1] = cy; Mean[2] = a; Mean[3] = h;
        Span<double> std = [2 * StdPosition * h, 2 * StdPosition * h, 1e-2, 2 * StdPosition * h,
            10 * StdVelocity * h, 10 * StdVelocity * h, 1e-5, 10 * StdVelocity * h];
        for (var i = 0; i < 8; i++) Covariance[i * 8 + i] = std[i] * std[i];
    }

    /// <summary>Advances one frame: x' = F x, P' = F P Fᵀ + Q, with F adding velocity to position.</summary>
    public void Predict(bool freezeHeightVelocity)
    {
        if (freezeHeightVelocity) Mean[7] = 0;
        var h = Mean[3];
        for (var i = 0; i < 4; i++) Mean[i] += Mean[i + 4];
        var p = Covariance;
        // P F^T then F (P F^T): F = [I I; 0 I], so adding column i+4 to column i, then row i+4 to row i.
        for (var r = 0; r < 8; r++)
        {
            for (var c = 0; c < 4; c++) p[r * 8 + c] += p[r * 8 + c + 4];
        }
        for (var r = 0; r < 4; r++)
        {
            for (var c = 0; c < 8; c++) p[r * 8 + c] += p[(r + 4) * 8 + c];
        }
        Span<double> q = [StdPosition * h, StdPosition * h, 1e-2, StdPosition * h, StdVelocity * h, StdVelocity * h, 1e-5, StdVelocity * h];
        for (var i = 0; i < 8; i++) p[i * 8 + i] += q[i] * q[i];
    }

    /// <summary>Corrects with a measured box: K = P Hᵀ S⁻¹, x += K (z − H x), P −= K S Kᵀ.</summary>
    public void Update(double cx, double cy, double a, double h)
    {
        var p = Covariance;
        var mh = Mean[3];
        Span<double> r = [StdPosition * mh, StdPosition * mh, 1e-1, StdPosition * mh];
        Span<double> s = stackalloc double[16];
        for (var i = 0; i < 4; i++)
        {
            for (var j = 0; j < 4; j++) s[i * 4 + j] = p[i * 8 + j];
            s[i * 4 + i] += r[i] * r[i];
        }
        Span<double> sInv = stackalloc double[16];
        Invert4(s, sInv);
        // K (8x4) = P[:, 0:4] * S^-1
        Span<double> k = stackalloc double[32];
        for (var row = 0; row < 8; row++)
        {
            for (var col = 0; col < 4; col++)
            {
                double sum = 0;
                for (var m = 0; m < 4; m++) sum += p[row * 8 + m] * sInv[m * 4 + col];
                k[row * 4 + col] = sum;
            }
        }
        Span<double> innovation = [cx - Mean[0], cy - Mean[1], a - Mean[2], h - Mean[3]];
        for (var row = 0; row < 8; row++)
        {
            double sum = 0;
            for (var m = 0; m < 4; m++) sum += k[row * 4 + m] * innovation[m];
            Mean[row] += sum;
        }
        // P -= K S K^T, and K S = P[:, 0:4] (since K = P H^T S^-1), so P -= K * P[0:4, :].
        Span<double> top = stackalloc double[32];
        for (var i = 0; i < 32; i++) top[i] = p[i];
        for (var row = 0; row < 8; row++)
        {
            for (var col = 0; col < 8; col++)
            {
                double sum = 0;
                for (var m = 0; m < 4; m++) sum += k[row * 4 + m] * top[m * 8 + col];
                p[row * 8 + col] -= sum;
            }
        }
    }

    /// <summary>Gauss-Jordan inverse of a 4x4 matrix with partial pivoting (S is symmetric positive definite).</summary>
    private static void Invert4(ReadOnlySpan<double> source, Span<double> inverse)
    {
        Span<double> a = stackalloc double[16];
        source.CopyTo(a);
        inverse.Clear();
        for (var i = 0; i < 4; i++) inverse[i * 4 + i] = 1;
        for (var col = 0; col < 4; col++)
        {
            var pivot = col;
            for (var row = col + 1; row < 4; row++)
            {
                if (Math.Abs(a[row * 4 + col]) > Math.Abs(a[pivot * 4 + col])) pivot = row;
            }
            if (pivot != col)
            {
                for (var c = 0; c < 4; c++)
                {
                    (a[col * 4 + c], a[pivot * 4 + c]) = (a[pivot * 4 + c], a[col * 4 + c]);
                    (inverse[col * 4 + c], inverse[pivot * 4 + c]) = (inverse[pivot * 4 + c], inverse[col * 4 + c]);
                }
            }
            var d = a[col * 4 + col];
            for (var c = 0; c < 4; c++) { a[col * 4 + c] /= d; inverse[col * 4 + c] /= d; }
            for (var row = 0; row < 4; row++)
            {
                if (row == col) continue;
                var f = a[row * 4 + col];
                if (f == 0) continue;
                for (var c = 0; c < 4; c++) { a[row * 4 + c] -= f * a[col * 4 + c]; inverse[row * 4 + c] -= f * inverse[col * 4 + c]; }
            }
        }
    }
}
