# Bake an ML in a Box template image: boot a cloud image, run playbooks/site.yml, then
# playbooks/template.yml, and keep the disk. The qemu builder works on any Linux host with KVM and
# gives a qcow2 image that OpenStack, Proxmox, libvirt and most clouds import; to build in a cloud
# directly, swap the source block for that cloud's builder (amazon-ebs, googlecompute, azure-arm) and
# keep the provisioners as they are.
#
# Needs Packer >= 1.7 (Debian 12 ships 1.6.6, which cannot load this template: see packer/README.md for
# HashiCorp's apt repository), Ansible on the controller, and xorriso (or genisoimage/mkisofs) for cd_files.
# Run from the checkout's root (packer/requirements.yml installs the collection from there):
#
#   packer init packer/
#   packer build -var profile=current -var ssh_private_key_file="$HOME/.ssh/id_ed25519" packer/
packer {
  required_version = ">= 1.7.0"
  required_plugins {
    qemu = {
      source  = "github.com/hashicorp/qemu"
      version = ">= 1.1.0"
    }
    ansible = {
      source  = "github.com/hashicorp/ansible"
      version = ">= 1.1.0"
    }
  }
}

variable "profile" {
  type        = string
  default     = "current"
  description = "Stack profile (playbooks/vars/profiles/<profile>.yml): current, cpu or seed-2021."

  validation {
    condition     = contains(["current", "cpu", "seed-2021"], var.profile)
    error_message = "The profile must be one of current, cpu, seed-2021 (playbooks/vars/profiles/)."
  }
}

variable "base_image_url" {
  type        = string
  default     = ""
  description = "Cloud image to start from; empty: the profile's own (Ubuntu 24.04, or 20.04 for seed-2021)."

  validation {
    condition     = var.base_image_url == "" || can(regex("\\.(img|qcow2|raw)$", var.base_image_url))
    error_message = "The base_image_url must be empty (the profile's image) or a cloud disk image (.img, .qcow2, .raw)."
  }
}

variable "base_image_checksum" {
  type        = string
  default     = ""
  description = "Checksum of base_image_url, or file:<url> of a checksum list; empty: the profile's image's list."
}

variable "disk_size" {
  type        = string
  default     = "60G"
  description = "Disk of the template; the CUDA toolkit and the frameworks need about 35 GB."

  validation {
    condition     = can(regex("^[1-9][0-9]*[MGT]?$", var.disk_size))
    error_message = "The disk_size must be a size such as 60G, 61440M or 61440 (MiB)."
  }
}

variable "cpus" {
  type        = number
  default     = 4
  description = "Virtual CPUs of the build VM."

  validation {
    condition     = var.cpus >= 1 && floor(var.cpus) == var.cpus
    error_message = "The cpus must be a whole number, at least 1."
  }
}

variable "memory" {
  type        = number
  default     = 8192
  description = "Memory of the build VM in MiB (the frameworks' installs want 8 GiB)."

  validation {
    condition     = var.memory >= 1024 && floor(var.memory) == var.memory
    error_message = "The memory must be a whole number of MiB, at least 1024."
  }
}

variable "accelerator" {
  type        = string
  default     = "kvm"
  description = "QEMU accelerator: kvm (Linux with /dev/kvm), tcg (software, slow), hvf, whpx, xen, hax or none."

  validation {
    condition     = contains(["kvm", "tcg", "hvf", "whpx", "xen", "hax", "none"], var.accelerator)
    error_message = "The accelerator must be one of kvm, tcg, hvf, whpx, xen, hax, none."
  }
}

variable "ssh_username" {
  type        = string
  default     = "ubuntu"
  description = "User that cloud-init creates in the base image (debian for Debian images)."

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_-]*$", var.ssh_username))
    error_message = "The ssh_username must be a user name such as ubuntu or debian."
  }
}

variable "ssh_private_key_file" {
  type        = string
  description = "Private key whose public half cloud-init installs (see packer/cloud-init/user-data)."

  validation {
    condition     = length(var.ssh_private_key_file) > 0
    error_message = "The ssh_private_key_file must name the private key of packer/cloud-init/user-data's public key."
  }
}

variable "output_directory" {
  type        = string
  default     = "artifacts/packer"
  description = "Where the image is written (relative to the directory packer runs in)."
}

variable "collections_path" {
  type        = string
  default     = "build/packer/collections"
  description = "Where the provisioner installs mlinabox.stack and its dependencies (packer/requirements.yml)."
}

locals {
  # Each profile's default base image: seed-2021 runs only on Ubuntu 20.04 (its preflight_supported_platforms),
  # the others on Ubuntu 24.04.
  ubuntu_images = {
    "20.04" = "https://cloud-images.ubuntu.com/focal/current"
    "24.04" = "https://cloud-images.ubuntu.com/noble/current"
  }
  image_release = var.profile == "seed-2021" ? "20.04" : "24.04"
  image_name    = var.profile == "seed-2021" ? "focal-server-cloudimg-amd64.img" : "noble-server-cloudimg-amd64.img"

  base_image_url      = var.base_image_url != "" ? var.base_image_url : "${local.ubuntu_images[local.image_release]}/${local.image_name}"
  base_image_checksum = var.base_image_checksum != "" ? var.base_image_checksum : "file:${local.ubuntu_images[local.image_release]}/SHA256SUMS"

  # A base image of another release would boot, then be refused by the seed-2021 profile's preflight; stop
  # here instead (a variable's validation cannot see another variable, so the error comes from file()).
  profile_image_ok = var.profile != "seed-2021" || can(regex("(focal|20\\.04)", local.base_image_url)) ? "yes" : file("profile seed-2021 supports only Ubuntu 20.04: base_image_url must be a focal (20.04) image")

  # An image of one's own comes with its own checksum: the profile's checksum list would not name it.
  checksum_ok = var.base_image_url == "" || var.base_image_checksum != "" ? "yes" : file("base_image_url is set: set base_image_checksum too (a checksum, or file:<url> of a checksum list)")

  ansible_env_vars = [
    "ANSIBLE_CONFIG=${path.root}/../ansible.cfg",
    # The collection as packer/requirements.yml installed it, not the checkout's .collections link.
    "ANSIBLE_COLLECTIONS_PATH=${var.collections_path}",
    "ANSIBLE_HOST_KEY_CHECKING=False",
  ]
}

source "qemu" "mlbox" {
  iso_url              = local.base_image_url
  iso_checksum         = local.base_image_checksum
  disk_image           = true
  disk_size            = var.disk_size
  format               = "qcow2"
  accelerator          = var.accelerator
  cpus                 = var.cpus
  memory               = var.memory
  headless             = true
  cd_label             = "cidata"
  cd_files             = ["${path.root}/cloud-init/meta-data", "${path.root}/cloud-init/user-data"]
  ssh_username         = var.ssh_username
  ssh_private_key_file = var.ssh_private_key_file
  ssh_timeout          = "20m"
  shutdown_command     = "sudo shutdown -P now"
  output_directory     = var.output_directory
  vm_name              = "mlbox-${var.profile}.qcow2"
}

build {
  sources = ["source.qemu.mlbox"]

  # The stack. use_proxy = false: Ansible connects straight to the VM, so the reboot module works
  # (the driver role reboots once, in one guarded place, when a new kernel module must be loaded).
  # galaxy_file: the collection (from this checkout) and its dependencies, installed afresh into
  # collections_path before the playbook runs.
  provisioner "ansible" {
    playbook_file        = "${path.root}/../playbooks/site.yml"
    galaxy_file          = "${path.root}/requirements.yml"
    collections_path     = var.collections_path
    galaxy_force_install = true
    user                 = var.ssh_username
    use_proxy            = false
    extra_arguments = [
      "--become",
      "--extra-vars", "mlbox_profile=${var.profile}",
      "--extra-vars", "mlbox_image_build=true",
    ]
    ansible_env_vars = local.ansible_env_vars
  }

  # Turn the VM into a template: caches, logs, machine-id, host keys, the build user's keys.
  provisioner "ansible" {
    playbook_file = "${path.root}/../playbooks/template.yml"
    user          = var.ssh_username
    use_proxy     = false
    extra_arguments = [
      "--become",
      "--extra-vars", "mlbox_profile=${var.profile}",
      "--extra-vars", "mlbox_image_build=true",
      # The build user's SSH key must not ship in the image: it would open every clone.
      "--extra-vars", "{\"template_prep_remove_authorized_keys_for\": [\"${var.ssh_username}\"]}",
    ]
    ansible_env_vars = local.ansible_env_vars
  }
}
