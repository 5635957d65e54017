using System.Collections.Generic;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// Official download addresses and SHA-256 digests of the published archives. The digests were not computed
    /// here (these machines are offline); they agree across several independent public data loaders (the python
    /// CIFAR archives' SHA-256s are the ones Keras and torchvision's prototype datasets pin), and the CIFAR-10 digest
    /// was recorded alongside the MD5 that the CIFAR page publishes. The python CIFAR archives also carry
    /// torchvision's MD5s.
    /// </summary>
    public static class KnownDownloads
    {
        /// <summary>CIFAR-10, python version (cifar-10-python.tar.gz, 170498071 bytes): the archive torchvision downloads,
        /// with torchvision's MD5 (<c>tgz_md5</c>) checked as well as the SHA-256.</summary>
        public static DownloadSpec Cifar10Python { get; } = new(
            "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz", "cifar-10-python.tar.gz",
            "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce")
        { Md5 = "c58f30108f718f92721af3b95e74349a" };

        /// <summary>CIFAR-100, python version (cifar-100-python.tar.gz, 169001437 bytes): the archive torchvision
        /// downloads, with torchvision's MD5 checked as well as the SHA-256.</summary>
        public static DownloadSpec Cifar100Python { get; } = new(
            "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz", "cifar-100-python.tar.gz",
            "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7")
        { Md5 = "eb9058c3a382ffc7106e4002c42a8d85" };

        /// <summary>CIFAR-10, binary version (cifar-10-binary.tar.gz, 170052171 bytes).</summary>
        public static DownloadSpec Cifar10 { get; } = new(
            "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", "cifar-10-binary.tar.gz",
            "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd");

        /// <summary>CIFAR-100, binary version (cifar-100-binary.tar.gz).</summary>
        public static DownloadSpec Cifar100 { get; } = new(
            "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz", "cifar-100-binary.tar.gz",
            "58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec");

        /// <summary>The four Fashion-MNIST idx files from the dataset's official host.</summary>
        public static IReadOnlyList<DownloadSpec> FashionMnist { get; } = new[]
        {
            new DownloadSpec(FashionMnistBase + "train-images-idx3-ubyte.gz", "train-images-idx3-ubyte.gz",
                "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
            new DownloadSpec(FashionMnistBase + "train-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte.gz",
                "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
            new DownloadSpec(FashionMnistBase + "t10k-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
            new DownloadSpec(FashionMnistBase + "t10k-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
                "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
        };

        private const string FashionMnistBase = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
    }
}
