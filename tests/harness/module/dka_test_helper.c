// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper for dax_kmem_atomic (never shipped): makes memory hotplug
 * fail for real in one chosen memory block.
 *
 *   insmod dka_test_helper.ko mode=pin_kernel  nid=N pfn=P
 *	holds a GFP_KERNEL page in the block of pfn P: offlining the block
 *	fails at once with -EBUSY (the page is unmovable);
 *   insmod dka_test_helper.ko mode=pin_movable nid=N pfn=P [pfn2=Q]
 *	holds a movable-flagged page that nothing can migrate, in a
 *	ZONE_MOVABLE block: offlining retries until the writer is signalled;
 *	with pfn2, one in the block of pfn Q too (on the same node);
 *   insmod dka_test_helper.ko mode=veto_online pfn=P [delay_ms=T] [nid=N pfn2=Q]
 *	a memory notifier refuses to online the block of pfn P (-EIO),
 *	after sleeping T ms in it (time for a test to signal the writer);
 *	with pfn2, it first pins a movable page in the (online) block of pfn
 *	Q, so that the rollback's offline of that block waits on migration;
 *   insmod dka_test_helper.ko mode=claim pfn=P
 *	claims the block of pfn P in /proc/iomem ("dka_test_helper"), as
 *	another driver would: a bind that needs that range cannot reserve it.
 *
 * rmmod releases the page or the notifier.  Loading fails with -ENOMEM
 * when no page of the node could be had inside the block.
 */
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/ioport.h>
#include <linux/list.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/notifier.h>

static char *mode = "pin_kernel";
module_param(mode, charp, 0444);
static int nid;
module_param(nid, int, 0444);
static unsigned long pfn;
module_param(pfn, ulong, 0444);
static unsigned int delay_ms;
module_param(delay_ms, uint, 0444);
static unsigned long pfn2;
module_param(pfn2, ulong, 0444);

static struct page *pinned, *pinned2;
static unsigned int pinned_order, pinned2_order;
static unsigned long blk_start, blk_end;	/* pfns of the block, end exclusive */

static bool in_block(struct page *page, unsigned int order)
{
	unsigned long p = page_to_pfn(page);

	return p >= blk_start && p + (1UL << order) <= blk_end;
}

/* Allocate on @nid until a chunk lands inside the block; free the rest. */
static int pin_page(gfp_t gfp)
{
	unsigned int order = 9;
	LIST_HEAD(held);
	struct page *page, *tmp;
	unsigned long tries = 0;

	pinned = NULL;

	gfp |= __GFP_THISNODE | __GFP_NOWARN | __GFP_NORETRY;
	for (;;) {
		page = alloc_pages_node(nid, gfp, order);
		if (!page) {
			if (!order)
				break;
			order = 0;
			continue;
		}
		tries++;
		if (in_block(page, order)) {
			pinned = page;
			pinned_order = order;
			break;
		}
		page->private = order;
		list_add(&page->lru, &held);
	}
	list_for_each_entry_safe(page, tmp, &held, lru) {
		list_del(&page->lru);
		__free_pages(page, page->private);
	}
	if (!pinned) {
		pr_err("dka_test_helper: no page of node %d landed in pfns %#lx-%#lx after %lu allocations\n",
		       nid, blk_start, blk_end - 1, tries);
		return -ENOMEM;
	}
	pr_info("dka_test_helper: pinned pfn %#lx (order %u) in memory%lu\n",
		page_to_pfn(pinned), pinned_order,
		(unsigned long)(PFN_PHYS(blk_start) / memory_block_size_bytes()));
	return 0;
}

static int veto_notify(struct notifier_block *nb, unsigned long action,
		       void *arg)
{
	const struct memory_notify *mn = arg;

	if (action != MEM_GOING_ONLINE)
		return NOTIFY_OK;
	if (mn->start_pfn + mn->nr_pages <= blk_start || mn->start_pfn >= blk_end)
		return NOTIFY_OK;
	if (delay_ms)
		msleep(delay_ms);
	if (pfn2 && !pinned2) {
		unsigned long pages = blk_end - blk_start, start = blk_start;

		blk_start = pfn2 & ~(pages - 1);
		blk_end = blk_start + pages;
		if (!pin_page(GFP_HIGHUSER_MOVABLE)) {
			pinned2 = pinned;
			pinned2_order = pinned_order;
			pinned = NULL;
		}
		blk_start = start;
		blk_end = start + pages;
	}
	pr_info("dka_test_helper: vetoing online of pfns %#lx-%#lx\n",
		mn->start_pfn, mn->start_pfn + mn->nr_pages - 1);
	return notifier_from_errno(-EIO);
}

static struct notifier_block veto_nb = {
	.notifier_call = veto_notify,
};

static bool veto_registered;
static struct resource *claimed;

static int __init helper_init(void)
{
	unsigned long pages = memory_block_size_bytes() >> PAGE_SHIFT;

	blk_start = pfn & ~(pages - 1);
	blk_end = blk_start + pages;
	if (!strcmp(mode, "pin_kernel"))
		return pin_page(GFP_KERNEL);
	if (!strcmp(mode, "pin_movable")) {
		int rc = pin_page(GFP_HIGHUSER_MOVABLE);

		if (rc || !pfn2)
			return rc;
		/* The second block: keep the first page aside meanwhile. */
		pinned2 = pinned;
		pinned2_order = pinned_order;
		blk_start = pfn2 & ~(pages - 1);
		blk_end = blk_start + pages;
		rc = pin_page(GFP_HIGHUSER_MOVABLE);
		if (rc)
			__free_pages(pinned2, pinned2_order);
		return rc;
	}
	if (!strcmp(mode, "veto_online")) {
		int rc = register_memory_notifier(&veto_nb);

		veto_registered = !rc;
		return rc;
	}
	if (!strcmp(mode, "claim")) {
		claimed = request_mem_region(PFN_PHYS(blk_start),
					     memory_block_size_bytes(),
					     "dka_test_helper");
		if (!claimed) {
			pr_err("dka_test_helper: pfns %#lx-%#lx already claimed\n",
			       blk_start, blk_end - 1);
			return -EBUSY;
		}
		return 0;
	}
	pr_err("dka_test_helper: unknown mode '%s'\n", mode);
	return -EINVAL;
}

static void __exit helper_exit(void)
{
	if (veto_registered)
		unregister_memory_notifier(&veto_nb);
	if (claimed)
		release_mem_region(PFN_PHYS(blk_start), memory_block_size_bytes());
	if (pinned)
		__free_pages(pinned, pinned_order);
	if (pinned2)
		__free_pages(pinned2, pinned2_order);
}

module_init(helper_init);
module_exit(helper_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dax_kmem_atomic test helper: pin a page in a memory block, or veto its onlining");
