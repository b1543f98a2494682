# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'main_window.ui'
##
## Created by: Qt User Interface Compiler version 6.11.3
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from PySide6.QtCore import (QCoreApplication, QDate, QDateTime, QLocale,
    QMetaObject, QObject, QPoint, QRect,
    QSize, QTime, QUrl, Qt)
from PySide6.QtGui import (QAction, QBrush, QColor, QConicalGradient,
    QCursor, QFont, QFontDatabase, QGradient,
    QIcon, QImage, QKeySequence, QLinearGradient,
    QPainter, QPalette, QPixmap, QRadialGradient,
    QTransform)
from PySide6.QtWidgets import (QApplication, QLabel, QMainWindow, QMenu,
    QMenuBar, QSizePolicy, QStatusBar, QVBoxLayout,
    QWidget)

from reviewstation.gui.banner import ClassificationBanner

class Ui_MainWindow(object):
    def setupUi(self, MainWindow):
        if not MainWindow.objectName():
            MainWindow.setObjectName(u"MainWindow")
        MainWindow.resize(1000, 680)
        MainWindow.setWindowTitle(u"ReviewStation")
        self.actionLock = QAction(MainWindow)
        self.actionLock.setObjectName(u"actionLock")
        self.actionQuit = QAction(MainWindow)
        self.actionQuit.setObjectName(u"actionQuit")
        self.centralwidget = QWidget(MainWindow)
        self.centralwidget.setObjectName(u"centralwidget")
        self.outerLayout = QVBoxLayout(self.centralwidget)
        self.outerLayout.setSpacing(0)
        self.outerLayout.setObjectName(u"outerLayout")
        self.outerLayout.setContentsMargins(0, 0, 0, 0)
        self.topBanner = ClassificationBanner(self.centralwidget)
        self.topBanner.setObjectName(u"topBanner")

        self.outerLayout.addWidget(self.topBanner)

        self.appMenuBar = QMenuBar(self.centralwidget)
        self.appMenuBar.setObjectName(u"appMenuBar")
        self.appMenuBar.setNativeMenuBar(False)
        self.menuFile = QMenu(self.appMenuBar)
        self.menuFile.setObjectName(u"menuFile")

        self.outerLayout.addWidget(self.appMenuBar)

        self.placeholderLabel = QLabel(self.centralwidget)
        self.placeholderLabel.setObjectName(u"placeholderLabel")
        sizePolicy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        sizePolicy.setHorizontalStretch(0)
        sizePolicy.setVerticalStretch(1)
        sizePolicy.setHeightForWidth(self.placeholderLabel.sizePolicy().hasHeightForWidth())
        self.placeholderLabel.setSizePolicy(sizePolicy)
        self.placeholderLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.outerLayout.addWidget(self.placeholderLabel)

        self.appStatusBar = QStatusBar(self.centralwidget)
        self.appStatusBar.setObjectName(u"appStatusBar")
        self.appStatusBar.setSizeGripEnabled(False)

        self.outerLayout.addWidget(self.appStatusBar)

        self.bottomBanner = ClassificationBanner(self.centralwidget)
        self.bottomBanner.setObjectName(u"bottomBanner")

        self.outerLayout.addWidget(self.bottomBanner)

        MainWindow.setCentralWidget(self.centralwidget)

        self.appMenuBar.addAction(self.menuFile.menuAction())
        self.menuFile.addAction(self.actionLock)
        self.menuFile.addSeparator()
        self.menuFile.addAction(self.actionQuit)

        self.retranslateUi(MainWindow)

        QMetaObject.connectSlotsByName(MainWindow)
    # setupUi

    def retranslateUi(self, MainWindow):
        self.actionLock.setText(QCoreApplication.translate("MainWindow", u"&Lock", None))
#if QT_CONFIG(tooltip)
        self.actionLock.setToolTip(QCoreApplication.translate("MainWindow", u"Lock the vault and return to the unlock dialog", None))
#endif // QT_CONFIG(tooltip)
#if QT_CONFIG(shortcut)
        self.actionLock.setShortcut(QCoreApplication.translate("MainWindow", u"Ctrl+L", None))
#endif // QT_CONFIG(shortcut)
        self.actionQuit.setText(QCoreApplication.translate("MainWindow", u"&Quit", None))
#if QT_CONFIG(tooltip)
        self.actionQuit.setToolTip(QCoreApplication.translate("MainWindow", u"Lock the vault and quit ReviewStation", None))
#endif // QT_CONFIG(tooltip)
#if QT_CONFIG(shortcut)
        self.actionQuit.setShortcut(QCoreApplication.translate("MainWindow", u"Ctrl+Q", None))
#endif // QT_CONFIG(shortcut)
        self.menuFile.setTitle(QCoreApplication.translate("MainWindow", u"&File", None))
        self.placeholderLabel.setText(QCoreApplication.translate("MainWindow", u"No reviews yet", None))
#if QT_CONFIG(accessibility)
        self.placeholderLabel.setAccessibleName(QCoreApplication.translate("MainWindow", u"No reviews yet", None))
#endif // QT_CONFIG(accessibility)
        pass
    # retranslateUi

